# İlgili kişiler (contacts): liste, form, kişi kartı ve müşteri kartındaki İlgili Kişiler sekmesi.

contacts-title = İlgili Kişiler
contact-new = Yeni Kişi
contact-new-title = Yeni İlgili Kişi
contact-edit-title = Kişiyi düzenle
contacts-empty = Henüz ilgili kişi yok — bir müşterinin kartından ya da Yeni Kişi ile ekleyin.
contacts-empty-filtered = Bu filtrelere uyan kişi yok.
contact-search-placeholder = Ad, soyad, telefon, e-posta…
contact-col-name = Ad soyad
contact-col-phone = Telefon
contact-archived = Arşivde
contact-ext = dahili { $ext }
contact-ext-ph = Dahili
contact-from-lead = Adaydan dönüştürüldü
contact-direct-reports = Ona bağlı çalışanlar

contact-filter-all-roles = Tüm roller
contact-filter-account = Müşteri:
contact-filter-account-remove = Müşteri filtresini kaldır

contact-field-account_id = Müşteri
contact-field-first_name = Ad
contact-field-last_name = Soyad
contact-field-title = Görevi
contact-field-department = Departman
contact-field-email = E-posta
contact-field-phone = İş telefonu
contact-field-extension = Dahili
contact-field-mobile = Cep telefonu
contact-field-whatsapp = WhatsApp
contact-field-buying_role = Satın alma rolü
contact-field-influence = Etkisi
contact-field-relationship = İlişki
contact-field-reports_to_id = Bağlı olduğu kişi
contact-field-owner_id = Sorumlu
contact-field-tags = Etiketler
contact-field-notes = Notlar
contact-field-lead_id = Kaynak aday
contact-field-last_contact_at = Son görüşme
contact-field-created_at = Oluşturma
contact-field-updated_at = Son güncelleme
contact-field-archived_at = Arşiv
contact-field-merged_from = Birleştirilen kayıt
contact-field-merged_into = Birleştirildiği kayıt

contact-section-person = Kişi
contact-section-reach = İletişim
contact-section-role = Satın almadaki rolü
contact-hint-account = Çalıştığı müşterinin adını yazın; Türkçe harf kullanmanız gerekmez.
contact-hint-reach = Hiçbiri zorunlu değil; telefonları istediğiniz biçimde yazabilirsiniz.
contact-hint-reports-to = Önce müşteriyi seçip kaydedin; bağlı olduğu kişi o müşterinin çalışanları arasından seçilir.
contact-reports-to-none = Kimseye bağlı değil
contact-account-not-found = Bu adla bir müşteri bulunamadı. Adı kontrol edin ya da alanı boş bırakın.
contact-account-several = Bu adla birden çok müşteri var; aşağıdan birini seçip tekrar kaydedin.
contact-err-owner_not_allowed = Bu kaydı bu kişiye atama yetkiniz yok.

contact-dup-phone = Bu telefon başka bir kişide kayıtlı:
contact-dup-email = Bu e-posta başka bir kişide kayıtlı:

contact-conflict-title = Bu kişi siz düzenlerken değişti.
contact-conflict = { $who } bu kaydı siz düzenlerken güncelledi. Yazdıklarınız korunuyor; Kaydet'e basarsanız sizin değerleriniz geçerli olur.
contact-confirm-archive = Bu kişi arşive taşınsın mı? Daha sonra geri alabilirsiniz.

contact-tab-people = İlgili Kişiler
contact-people-empty = Bu müşteride henüz kayıtlı kişi yok.
contact-people-all = Listede aç
contact-add = Kişi ekle
contact-glance = Bir bakışta
contact-glance-deciders = Kim karar veriyor?
contact-glance-champion = Bizi kim destekliyor?
contact-glance-last = En son kiminle görüştük?
contact-glance-blockers = Dikkat: engelleyici
contact-glance-unknown = Henüz belirlenmedi
contact-glance-none = Henüz yok
contact-glance-never = Kayıtlı görüşme yok
contact-org-chart = Organizasyon şeması

contact-toast-saved = Kişi kaydedildi
contact-toast-created = Kişi eklendi
contact-toast-archived = Kişi arşivlendi
contact-toast-restored = Kişi arşivden çıkarıldı
