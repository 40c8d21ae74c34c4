# checkov imports every module in this folder under its bare file name, once per framework:
# keep the modules thin, uniquely named, and importing checkov_pitr with absolute imports.
