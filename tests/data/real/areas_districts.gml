<?xml version="1.0" encoding="utf-8" ?>
<ogr:FeatureCollection
     gml:id="aFeatureCollection"
     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:schemaLocation="http://ogr.maptools.org/ areas_districts.xsd"
     xmlns:ogr="http://ogr.maptools.org/"
     xmlns:gml="http://www.opengis.net/gml/3.2">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::3067"><gml:lowerCorner>385461.125483593 6671556.24972684</gml:lowerCorner><gml:upperCorner>386154.588947474 6672467.67598076</gml:upperCorner></gml:Envelope></gml:boundedBy>
                                                                                                                  
  <ogr:featureMember>
    <ogr:districts gml:id="districts.0">
      <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::3067"><gml:lowerCorner>385461.125483593 6671566.61132767</gml:lowerCorner><gml:upperCorner>385807.897099748 6672022.33946627</gml:upperCorner></gml:Envelope></gml:boundedBy>
      <ogr:geometryProperty><gml:Polygon srsName="urn:ogc:def:crs:EPSG::3067" gml:id="districts.geom.0"><gml:exterior><gml:LinearRing><gml:posList>385794.01491866 6671566.61132767 385807.897099748 6672011.94845394 385475.048146038 6672022.33946627 385461.125483593 6671577.0031877 385794.01491866 6671566.61132767</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ogr:geometryProperty>
      <ogr:nimi>Kamppi</ogr:nimi>
      <ogr:NAME>a</ogr:NAME>
      <ogr:fid>101</ogr:fid>
      <ogr:geom>alue</ogr:geom>
    </ogr:districts>
  </ogr:featureMember>
  <ogr:featureMember>
    <ogr:districts gml:id="districts.1">
      <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::3067"><gml:lowerCorner>385794.01491866 6671556.24972684</gml:lowerCorner><gml:upperCorner>386140.746686197 6672011.94845394</gml:upperCorner></gml:Envelope></gml:boundedBy>
      <ogr:geometryProperty><gml:Polygon srsName="urn:ogc:def:crs:EPSG::3067" gml:id="districts.geom.1"><gml:exterior><gml:LinearRing><gml:posList>386126.904986391 6671556.24972684 386140.746686197 6672001.58769835 385807.897099748 6672011.94845394 385794.01491866 6671566.61132767 386126.904986391 6671556.24972684</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ogr:geometryProperty>
      <ogr:nimi>Kluuvi</ogr:nimi>
      <ogr:NAME>b</ogr:NAME>
      <ogr:fid>102</ogr:fid>
      <ogr:geom>alue</ogr:geom>
    </ogr:districts>
  </ogr:featureMember>
  <ogr:featureMember>
    <ogr:districts gml:id="districts.2">
      <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::3067"><gml:lowerCorner>385475.048146038 6672011.94845394</gml:lowerCorner><gml:upperCorner>385821.779843944 6672467.67598076</gml:upperCorner></gml:Envelope></gml:boundedBy>
      <ogr:geometryProperty><gml:Polygon srsName="urn:ogc:def:crs:EPSG::3067" gml:id="districts.geom.2"><gml:exterior><gml:LinearRing><gml:posList>385807.897099748 6672011.94845394 385821.779843944 6672457.28581635 385488.971373227 6672467.67598076 385475.048146038 6672022.33946627 385807.897099748 6672011.94845394</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ogr:geometryProperty>
      <ogr:nimi>Punavuori</ogr:nimi>
      <ogr:NAME>c</ogr:NAME>
      <ogr:fid>103</ogr:fid>
      <ogr:geom>alue</ogr:geom>
    </ogr:districts>
  </ogr:featureMember>
  <ogr:featureMember>
    <ogr:districts gml:id="districts.3">
      <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::3067"><gml:lowerCorner>385807.897099748 6672001.58769835</gml:lowerCorner><gml:upperCorner>386154.588947474 6672457.28581635</gml:upperCorner></gml:Envelope></gml:boundedBy>
      <ogr:geometryProperty><gml:Polygon srsName="urn:ogc:def:crs:EPSG::3067" gml:id="districts.geom.3"><gml:exterior><gml:LinearRing><gml:posList>386140.746686197 6672001.58769835 386154.588947474 6672446.9259062 385821.779843944 6672457.28581635 385807.897099748 6672011.94845394 386140.746686197 6672001.58769835</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ogr:geometryProperty>
      <ogr:nimi>Kaartinkaupunki</ogr:nimi>
      <ogr:NAME>d</ogr:NAME>
      <ogr:fid>104</ogr:fid>
      <ogr:geom>alue</ogr:geom>
    </ogr:districts>
  </ogr:featureMember>
</ogr:FeatureCollection>
