//! Türkiye's provinces, offered when a city is typed (a foreign city is still accepted), and the
//! geographic regions they make up.

/// The 81 provinces in Turkish alphabetical order.
pub const PROVINCES: &[&str] = &[
    "Adana",
    "Adıyaman",
    "Afyonkarahisar",
    "Ağrı",
    "Aksaray",
    "Amasya",
    "Ankara",
    "Antalya",
    "Ardahan",
    "Artvin",
    "Aydın",
    "Balıkesir",
    "Bartın",
    "Batman",
    "Bayburt",
    "Bilecik",
    "Bingöl",
    "Bitlis",
    "Bolu",
    "Burdur",
    "Bursa",
    "Çanakkale",
    "Çankırı",
    "Çorum",
    "Denizli",
    "Diyarbakır",
    "Düzce",
    "Edirne",
    "Elazığ",
    "Erzincan",
    "Erzurum",
    "Eskişehir",
    "Gaziantep",
    "Giresun",
    "Gümüşhane",
    "Hakkari",
    "Hatay",
    "Iğdır",
    "Isparta",
    "İstanbul",
    "İzmir",
    "Kahramanmaraş",
    "Karabük",
    "Karaman",
    "Kars",
    "Kastamonu",
    "Kayseri",
    "Kırıkkale",
    "Kırklareli",
    "Kırşehir",
    "Kilis",
    "Kocaeli",
    "Konya",
    "Kütahya",
    "Malatya",
    "Manisa",
    "Mardin",
    "Mersin",
    "Muğla",
    "Muş",
    "Nevşehir",
    "Niğde",
    "Ordu",
    "Osmaniye",
    "Rize",
    "Sakarya",
    "Samsun",
    "Siirt",
    "Sinop",
    "Sivas",
    "Şanlıurfa",
    "Şırnak",
    "Tekirdağ",
    "Tokat",
    "Trabzon",
    "Tunceli",
    "Uşak",
    "Van",
    "Yalova",
    "Yozgat",
    "Zonguldak",
];

/// The seven geographic regions (coğrafi bölgeler) with their provinces: a sales team splits
/// the country by them ("Ege bayisi"), so an import's new records can be assigned by region.
/// Keys are the code's; their names live in the `.ftl` files (`region-KEY`).
pub const REGIONS: &[(&str, &[&str])] = &[
    (
        "marmara",
        &[
            "Balıkesir",
            "Bilecik",
            "Bursa",
            "Çanakkale",
            "Edirne",
            "İstanbul",
            "Kırklareli",
            "Kocaeli",
            "Sakarya",
            "Tekirdağ",
            "Yalova",
        ],
    ),
    (
        "aegean",
        &[
            "Afyonkarahisar",
            "Aydın",
            "Denizli",
            "İzmir",
            "Kütahya",
            "Manisa",
            "Muğla",
            "Uşak",
        ],
    ),
    (
        "mediterranean",
        &[
            "Adana",
            "Antalya",
            "Burdur",
            "Hatay",
            "Isparta",
            "Kahramanmaraş",
            "Mersin",
            "Osmaniye",
        ],
    ),
    (
        "central_anatolia",
        &[
            "Aksaray",
            "Ankara",
            "Çankırı",
            "Eskişehir",
            "Karaman",
            "Kayseri",
            "Kırıkkale",
            "Kırşehir",
            "Konya",
            "Nevşehir",
            "Niğde",
            "Sivas",
            "Yozgat",
        ],
    ),
    (
        "black_sea",
        &[
            "Amasya",
            "Artvin",
            "Bartın",
            "Bayburt",
            "Bolu",
            "Çorum",
            "Düzce",
            "Giresun",
            "Gümüşhane",
            "Karabük",
            "Kastamonu",
            "Ordu",
            "Rize",
            "Samsun",
            "Sinop",
            "Tokat",
            "Trabzon",
            "Zonguldak",
        ],
    ),
    (
        "eastern_anatolia",
        &[
            "Ağrı", "Ardahan", "Bingöl", "Bitlis", "Elazığ", "Erzincan", "Erzurum", "Hakkari", "Iğdır", "Kars",
            "Malatya", "Muş", "Tunceli", "Van",
        ],
    ),
    (
        "southeastern_anatolia",
        &[
            "Adıyaman",
            "Batman",
            "Diyarbakır",
            "Gaziantep",
            "Kilis",
            "Mardin",
            "Siirt",
            "Şanlıurfa",
            "Şırnak",
        ],
    ),
];

/// The region of a province, however its name is cased (`None` for a foreign or unknown city).
pub fn region_of(city: &str) -> Option<&'static str> {
    let city = crate::text::fold(city.trim());
    REGIONS
        .iter()
        .find(|(_, provinces)| provinces.iter().any(|p| crate::text::fold(p) == city))
        .map(|(key, _)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighty_one_provinces_in_order() {
        assert_eq!(PROVINCES.len(), 81);
        let keys: Vec<Vec<u32>> = PROVINCES.iter().map(|p| crate::text::collation_key(p)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "Turkish alphabetical order");
    }

    #[test]
    fn every_province_is_in_one_region() {
        for p in PROVINCES {
            let n = REGIONS.iter().filter(|(_, ps)| ps.contains(p)).count();
            assert_eq!(n, 1, "{p}");
        }
        assert_eq!(REGIONS.iter().map(|(_, ps)| ps.len()).sum::<usize>(), 81);
        assert_eq!(region_of("İZMİR"), Some("aegean"));
        assert_eq!(region_of(" istanbul "), Some("marmara"));
        assert_eq!(region_of("Iğdır"), Some("eastern_anatolia"));
        assert_eq!(region_of("Şanlıurfa"), Some("southeastern_anatolia"));
        assert_eq!(region_of("Berlin"), None);
    }
}
