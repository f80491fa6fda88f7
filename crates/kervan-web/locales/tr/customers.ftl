# Customers (accounts, contacts), conversion and merge: shared error messages.
err-parent_loop = Bir firma kendisinin ya da kendi alt firmasının alt firması olamaz.
err-merge_same = Bir kayıt kendisiyle birleştirilemez.
err-reports_to_loop = Bu bağlılık bir döngü oluşturur: kişi kendisine ya da kendi ekibinden birine bağlı olamaz.
err-reports_to_other_account = Bağlı olunan kişi aynı müşteride çalışmalı.
err-already_converted = Bu aday zaten müşteriye dönüştürüldü.
err-invalid_range = Başlangıç, bitişten önce olmalı.
problem-duplicate-account = Benzer bir müşteri zaten kayıtlı: { $name }
problem-duplicate-contact = Aynı telefon ya da e-posta başka bir kişide kayıtlı: { $name }
dashboard-my-accounts = Müşterilerim
quick-new-menu = Yeni kayıt oluştur
