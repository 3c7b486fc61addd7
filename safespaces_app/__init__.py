"""Pages of the Streamlit app; they call the library and hold no analysis."""
