# Müşteriler (accounts): liste, form, müşteri kartı, adresler, alt firmalar.

accounts-title = Müşteriler
account-new = Yeni Müşteri
account-new-title = Yeni Müşteri
account-edit-title = Müşteriyi düzenle
accounts-empty = Henüz müşteri yok — Yeni Müşteri ekleyin ya da bir adayı müşteriye dönüştürün.
accounts-empty-filtered = Bu filtrelere uyan müşteri yok.
accounts-empty-passive-hint = Pasif müşteriler varsayılan olarak gizlenir; görmek için durum filtresinden "Pasifler dahil tümü"nü seçin.
account-search-placeholder = Unvan, vergi no, telefon, e-posta…
account-col-name = Unvan / Ad
account-archived = Arşivde
account-sub-of = { $parent } bünyesinde
account-key-facts = Öne çıkan bilgiler
account-no-contact-yet = Henüz görüşme yok
account-from-lead = Adaydan dönüştürüldü

account-filter-all-kinds = Tüm türler
account-filter-lifecycle-working = Pasifler hariç
account-filter-lifecycle-any = Pasifler dahil tümü
account-filter-all-potentials = Tüm potansiyeller

account-field-kind = Müşteri türü
account-field-name = Unvan / Ad soyad
account-field-tax_office = Vergi dairesi
account-field-tax_number = Vergi numarası (VKN)
account-field-national_id = T.C. kimlik no
account-field-sector = Sektör
account-field-customer_class = Müşteri sınıfı
account-field-segment = Segment
account-field-potential = Potansiyel
account-field-annual_revenue = Yıllık ciro
account-field-lifecycle = Durum
account-field-parent_id = Bağlı olduğu firma
account-field-owner_id = Sorumlu
account-field-region = Bölge
account-field-country = Ülke
account-field-city = Şehir
account-field-district = İlçe
account-field-website = Web sitesi
account-field-phone = Telefon
account-field-email = E-posta
account-field-tags = Etiketler
account-field-notes = Notlar
account-field-lead_id = Kaynak aday
account-field-last_contact_at = Son görüşme
account-field-created_at = Oluşturma
account-field-updated_at = Son güncelleme
account-field-archived_at = Arşiv
account-field-address = Adres
account-field-merged_from = Birleştirilen kayıt
account-field-merged_into = Birleştirildiği kayıt
account-field-converted_lead = Dönüştürülen aday

account-name-company = Unvan
account-name-individual = Ad soyad
account-section-identity = Kimlik ve vergi bilgileri
account-section-contact = İletişim ve konum
account-section-sales = Satış bilgileri
account-hint-tax_number = Firmalar için, 10 hane.
account-hint-national_id = Şahıs firmalarında sahibinin T.C. kimlik numarası.
account-hint-national_id-company = Şahıs firmalarında sahibinin T.C. kimlik numarası.
account-hint-national_id-individual = Bireysel müşteriler için, 11 hane.
account-hint-parent = Grup şirketiyse ana firmanın adını yazın; boş bırakılabilir.
account-country-default = Türkiye
account-region-ph = ör. Marmara
account-parent-not-found = Bu adla bir müşteri bulunamadı. Adı kontrol edin ya da alanı boş bırakın.
account-parent-several = Bu adla birden çok müşteri var; aşağıdan birini seçip tekrar kaydedin.
account-err-owner_not_allowed = Bu kaydı bu kişiye atama yetkiniz yok.

account-dup-title = Bu müşteri zaten kayıtlı olabilir:
account-dup-tax_number = Aynı vergi numarası:
account-dup-national_id = Aynı T.C. kimlik numarası:
account-dup-phone = Aynı telefon:
account-dup-email = Aynı e-posta:
account-dup-domain = Aynı alan adı (web sitesi ya da e-posta):
account-dup-name = Benzer unvan:
account-dup-confirm = Bunlar farklı müşteriler, yine de kaydet

account-confirm-archive = Bu müşteri arşive taşınsın mı? Listelerde görünmez; daha sonra geri alabilirsiniz.

account-tab-addresses = Adresler
account-tab-subsidiaries = Alt Firmalar

account-parent-is = Bağlı olduğu firma:
account-subs-count = Alt firma sayısı
account-subs-revenue = Toplam yıllık ciro
account-subs-add = Alt firma ekle
account-subs-empty = Bu müşterinin kayıtlı alt firması yok.
account-subs-hidden = { $n ->
    [one] Görme yetkiniz olmayan 1 alt firma listede yok; toplamlara dahildir.
   *[other] Görme yetkiniz olmayan { $count } alt firma listede yok; toplamlara dahildir.
}

account-history-moved-contacts = { $n ->
    [one] 1 kişi
   *[other] { $count } kişi
}
account-history-moved-addresses = { $n ->
    [one] 1 adres
   *[other] { $count } adres
}

account-toast-saved = Müşteri kaydedildi
account-toast-created = Müşteri eklendi
account-toast-archived = Müşteri arşivlendi
account-toast-restored = Müşteri arşivden çıkarıldı
account-toast-address-added = Adres eklendi
account-toast-address-saved = Adres kaydedildi
account-toast-address-deleted = Adres silindi

address-field-kind = Adres türü
address-field-line = Adres
address-field-district = İlçe
address-field-city = Şehir
address-field-country = Ülke
address-field-postal_code = Posta kodu
address-empty = Henüz adres eklenmedi.
address-new = Adres ekle
address-add = Adresi ekle
address-delete = Sil
address-confirm-delete = Bu adres silinsin mi? Bu işlem geri alınamaz.
address-conflict = Bu adres siz düzenlerken değişti. Yazdıklarınız korunuyor; Kaydet'e basarsanız sizin değerleriniz geçerli olur.
