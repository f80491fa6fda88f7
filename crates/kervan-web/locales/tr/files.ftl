# Dosyalar: kayıtlara eklenen dosyalar.

tab-files = Dosyalar
files-none = Henüz dosya yok — aşağıdan bir dosya ekleyin.
files-none-readonly = Henüz dosya yok.
files-upload-label = Dosya ekle
files-upload-button = Yükle
files-upload-hint = PDF, Word, Excel, PowerPoint, OpenDocument, resim (PNG, JPEG, WebP), CSV, metin, ZIP, DWG ve DXF; en fazla { $size }.
files-download = İndir
files-delete = Sil
files-delete-named = { $name } dosyasını sil
files-confirm-delete = “{ $name }” silinsin mi?
files-added = Dosya eklendi.
files-deleted = Dosya silindi.
files-preview = Önizleme: { $name }
file-family-pdf = PDF
file-family-image = Resim
file-family-document = Belge
file-family-spreadsheet = Tablo
file-family-presentation = Sunum
file-family-archive = Arşiv
file-family-drawing = Çizim
file-family-text = Metin
merge-link-files = Dosyalar

err-file_type_not_allowed = Bu dosya türü eklenemez. PDF, Word, Excel, PowerPoint, OpenDocument, resim (PNG, JPEG, WebP), CSV, metin, ZIP, DWG ve DXF dosyaları eklenebilir.
err-file_name_mismatch = Dosyanın adı içeriğiyle uyuşmuyor: uzantısı başka bir dosya türünü gösteriyor. Dosyayı doğru uzantıyla kaydedip yeniden deneyin.
err-file_no_name = Dosyanın uzantılı bir adı olmalı (ör. teklif.pdf).
err-file_empty = Dosya boş; içi dolu bir dosya seçin.
err-file_missing = Yüklenecek bir dosya seçin.
err-file_upload_failed = Dosya yüklenemedi; bağlantınızı kontrol edip yeniden deneyin.
err-file_too_large = Dosya çok büyük: en fazla { $arg } yükleyebilirsiniz.
