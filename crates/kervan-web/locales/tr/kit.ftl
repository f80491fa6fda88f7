# Kayıt altyapısı: her modülün liste, form ve kartında ortak metinler.

value-yes = Evet
value-no = Hayır
views-title = Görünümler
views-empty = Kayıtlı görünüm yok. Filtreleri ayarlayıp aşağıdan kaydedin.
views-shared = Ekiple paylaşılan
views-none = Görünümsüz liste
views-save-as = Bu filtreleri görünüm olarak kaydet
views-share = Ekibimle paylaş
views-save = Görünümü kaydet
views-delete = Sil
views-confirm-delete = Bu görünüm silinsin mi? Kayıtlar silinmez.
view-name = Görünüm adı
columns-title = Sütunlar
columns-hint = Gösterilecek sütunları ve sıralarını seçin.
columns-position = Sıra
columns-reset = Varsayılana dön
filter-created = Oluşturma tarihi
form-section-custom = Özel alanlar
bulk-set-field = { $field } değiştir
history-created = Oluşturuldu
record-archived = Arşivde
record-key-facts = Öne çıkan bilgiler
record-confirm-archive = "{ $name }" arşive taşınsın mı? Listelerde görünmez; daha sonra geri alabilirsiniz.
record-confirm-delete = "{ $name }" kalıcı olarak silinecek. Bu işlem geri alınamaz. Emin misiniz?
record-conflict-title = Bu kayıt siz düzenlerken değişti.
record-conflict = { $who } bu kaydı siz düzenlerken güncelledi. Yazdıklarınız korunuyor; Kaydet'e basarsanız sizin değerleriniz geçerli olur.
record-conflict-see = Güncel hâlini yeni sekmede gör
dup-title = Bu kayıt zaten var olabilir:
dup-same-phone = Aynı telefon:
dup-same-email = Aynı e-posta:
dup-same-tax_number = Aynı vergi numarası:
dup-same-national_id = Aynı T.C. kimlik numarası:
dup-same-domain = Aynı alan adı (web sitesi ya da e-posta):
dup-same-name = Benzer ad:
dup-same-sku = Aynı stok kodu:
toast-view = Görünüm kaydedildi
toast-view-deleted = Görünüm silindi
problem-duplicate-hidden-sku = Bu stok kodu başka bir üründe kayıtlı.
err-invalid_percent = 0 ile 100 arasında, en çok iki ondalıklı bir yüzde yazın.
err-invalid_datetime = Geçerli bir tarih ve saat girin (ör. 31.01.2026 14:30).
err-invalid_bool = Evet ya da hayır olmalı.
err-ref_not_found = Bu adla { $arg ->
    [accounts] bir müşteri
    [contacts] bir kişi
    [leads] bir aday
    [products] bir ürün
   *[other] bir kayıt
} bulunamadı. Adı kontrol edin ya da alanı boş bırakın.
err-ref_ambiguous = Bu adla birden çok { $arg ->
    [accounts] müşteri
    [contacts] kişi
    [leads] aday
    [products] ürün
   *[other] kayıt
} var; aşağıdan birini seçip tekrar kaydedin.
err-not_filterable = Bu alana göre filtrelenemez.
err-type_fixed = Alanın türü oluşturulduktan sonra değiştirilemez.
err-duplicate_option = Bu seçenek zaten var.
toast-saved = Kaydedildi
toast-created = Eklendi
toast-archived = Arşivlendi
toast-restored = Arşivden çıkarıldı
toast-deleted = Silindi
