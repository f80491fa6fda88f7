# Bulk actions on the lead, customer and contact lists.
bulk-bar-label = Seçilen kayıtlar
bulk-select-all = Bu sayfadakilerin hepsini seç
bulk-select-row = Seç: { $name }
bulk-selected = { $n } kayıt seçili
bulk-none-selected = Toplu işlem için satırları seçin
bulk-action = Seçilenlere uygulanacak işlem
bulk-choose = İşlem seçin…
bulk-assign = Sorumlu ata
bulk-set-status = Durum değiştir
bulk-apply = Uygula
bulk-archive = Arşivle
bulk-confirm-archive = Seçilen kayıtlar arşivlensin mi? Arşivden tek tek geri alınabilirler.
bulk-toast = { $n_text } kayıt güncellendi{ $skipped ->
    [0] {""}
   *[other] , { $skipped_text } kayıt atlandı
}
bulk-why-not-found = { $n_text } kayıt bulunamadı ya da sizin değiştirebileceğiniz bir kayıt değil
bulk-why-invalid = { $n_text } kayıt bu değişikliğe uygun değil
bulk-why-conflict = { $n_text } kayıt bu arada başkası tarafından değiştirildi
bulk-err-empty = Önce listeden en az bir kayıt seçin.
bulk-err-too-many = Bir seferde en çok { $max_text } kayıt değiştirilebilir; { $n_text } kayıt seçtiniz. Daha az kayıt seçip tekrar deneyin.
bulk-err-no-action = Uygulanacak işlemi seçin.
bulk-err-action = Bu işlem bu listede yapılamaz.
bulk-err-lost = Adaylar toplu olarak "Kaybedildi" yapılamaz; her biri için ayrı bir neden gerekir. Adayı açıp durumunu oradan değiştirin.
