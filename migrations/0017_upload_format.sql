-- An upload keeps how its body is read (landrelease.UploadSource): the format, the file name it was sent with,
-- the layer of a file of several, and the property mapping as it was when submitted (a saved mapping may change
-- later; review and approval read the body as the submission did).
ALTER TABLE upload
    ADD COLUMN format   text NOT NULL DEFAULT 'geojson' CHECK (format IN ('geojson', 'kml', 'kmz', 'gpx', 'shapefile', 'gpkg')),
    ADD COLUMN filename text,
    ADD COLUMN layer    text,
    ADD COLUMN mapping  jsonb;
