# Files attached to records.

tab-files = Files
files-none = No files yet — add one below.
files-none-readonly = No files yet.
files-upload-label = Add a file
files-upload-button = Upload
files-upload-hint = PDF, Word, Excel, PowerPoint, OpenDocument, images (PNG, JPEG, WebP), CSV, text, ZIP, DWG and DXF; at most { $size }.
files-download = Download
files-delete = Delete
files-delete-named = Delete { $name }
files-confirm-delete = Delete “{ $name }”?
files-added = File added.
files-deleted = File deleted.
files-preview = Preview: { $name }
file-family-pdf = PDF
file-family-image = Image
file-family-document = Document
file-family-spreadsheet = Spreadsheet
file-family-presentation = Presentation
file-family-archive = Archive
file-family-drawing = Drawing
file-family-text = Text
merge-link-files = Files

err-file_type_not_allowed = This kind of file cannot be attached. PDF, Word, Excel, PowerPoint, OpenDocument, images (PNG, JPEG, WebP), CSV, text, ZIP, DWG and DXF files can.
err-file_name_mismatch = The file's name does not match its content: its extension names another type. Save it with the right extension and try again.
err-file_no_name = The file needs a name with an extension (e.g. quote.pdf).
err-file_empty = The file is empty; choose one with something in it.
err-file_missing = Choose a file to upload.
err-file_upload_failed = The file could not be uploaded; check your connection and try again.
err-file_too_large = The file is too large: at most { $arg } can be uploaded.
