package tagger

import "testing"

// The shipped config in more languages and scripts: the people of
// Venezuela, the Caribbean where its name is its own, Maduro in every
// script, and none of the words the new names come close to (the Swahili
// karibu, the caribou). Forms that only inflection finds are looked for in
// articles of their language alone, as the README says.
func TestShippedConfigMoreLanguages(t *testing.T) {
	m := shippedMatcher(t)
	tests := []struct {
		lang, title string
		want        []string
		declared    bool // found only when the article's language is known
	}{
		{"ru", "Венесуэльцы вышли на улицы", []string{"venezuela"}, false},
		{"uk", "Венесуельці протестують", []string{"venezuela"}, false},
		{"pl", "Wenezuelczycy protestują", []string{"venezuela"}, false},
		{"el", "Οι Βενεζουελανοί διαδηλώνουν", []string{"venezuela"}, false},
		{"ar", "تظاهر الفنزويليون في العاصمة", []string{"venezuela"}, false},
		{"ar", "الحكومة الفنزويلية ترد", []string{"venezuela"}, false},
		{"he", "הממשלה הוונצואלית הגיבה", []string{"venezuela"}, false},
		{"bg", "Венецуелското правителство", []string{"venezuela"}, false},
		{"ca", "El govern veneçolà", []string{"venezuela"}, false},
		{"hi", "वेनेज़ुएलाई सरकार", []string{"venezuela"}, false},
		{"nb", "Orkan i Karibia", []string{"caribbean"}, false},
		{"fi", "Hurrikaani Karibialla", []string{"caribbean"}, false},
		{"fi", "Karibianmeren saaret", []string{"caribbean"}, false},
		{"id", "Badai di Karibia", []string{"caribbean"}, false},
		{"hu", "Hurrikán a Karib-tengeren", []string{"caribbean"}, true},
		{"ro", "Uraganul din Caraibe", []string{"caribbean"}, false},
		{"ro", "insulele caraibiene", []string{"caribbean"}, false},
		{"lt", "Uraganas Karibų jūroje", []string{"caribbean"}, false},
		{"sw", "Kimbunga Karibiani", []string{"caribbean"}, false},
		{"hr", "Uragan na Karibima", []string{"caribbean"}, true},
		{"hr", "Karipsko more", []string{"caribbean"}, false},
		{"sr", "Ураган на Карибима", []string{"caribbean"}, true},
		{"he", "סופה בים הקריבי", []string{"caribbean"}, false},
		{"hi", "कैरिबियन सागर में तूफान", []string{"caribbean"}, false},
		{"fa", "طوفان در دریای کارائیب", []string{"caribbean"}, false},
		{"th", "พายุในทะเลแคริบเบียน", []string{"caribbean"}, false},
		{"fr", "Ouragan dans la Caraïbe", []string{"caribbean"}, false},
		{"ar", "الدول الكاريبية", []string{"caribbean"}, false},
		{"bg", "Ураган на Карибите", []string{"caribbean"}, false},
		{"ru", "Мадуро выступил с речью", []string{"maduro"}, false},
		{"uk", "Мадуро заявив", []string{"maduro"}, false},
		{"ar", "مادورو يلقي خطابا", []string{"maduro"}, false},
		{"he", "מדורו נאם", []string{"maduro"}, false},
		{"zh", "马杜罗发表讲话", []string{"maduro"}, false},
		{"ja", "マドゥロ大統領が演説", []string{"maduro"}, false},
		{"ko", "마두로 대통령이 연설했다", []string{"maduro"}, false},
		{"el", "Ο Μαδούρο μίλησε", []string{"maduro"}, false},
		{"hi", "मादुरो ने भाषण दिया", []string{"maduro"}, false},
		{"sw", "Karibu Zanzibar", nil, false},
		{"sw", "Karibuni sana", nil, false},
		{"en", "Caribou herds move north", nil, false},
		{"fi", "Karibu on poro", nil, false},
		{"ca", "Caribdis i Escil·la", nil, false},
		{"en", "Carib people", nil, false},
		{"ja", "カリブーの群れ", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) { checkShipped(t, m, tt.lang, tt.title, tt.want, tt.declared) })
	}
}
