package bench

// sentences are news-style sentences in several languages and scripts,
// written for the benchmark; articles are made of them. mentions are the
// sentences that name a watched entity (Venezuela, the Caribbean), in the
// same languages.
var sentences = map[string][]string{
	"en": {
		"The city council approved the new budget after a long debate on Tuesday evening.",
		"Officials said the repairs to the bridge would take at least three more months.",
		"Farmers in the region are worried about the dry summer and rising costs of fuel.",
		"The central bank kept interest rates unchanged and pointed to slowing inflation.",
		"Hospitals reported a sharp rise in patients during the first cold week of the year.",
		"The opposition party called for an inquiry into the awarding of the contract.",
		"Local schools will receive new computers under a program announced by the ministry.",
		"Police closed the main road for several hours after a lorry lost its load.",
	},
	"de": {
		"Der Stadtrat hat nach langer Debatte am Dienstagabend den neuen Haushalt beschlossen.",
		"Die Reparatur der Brücke werde mindestens drei weitere Monate dauern, hieß es.",
		"Die Landwirte in der Region sorgen sich wegen des trockenen Sommers und der Kosten.",
		"Die Zentralbank ließ die Zinsen unverändert und verwies auf eine sinkende Teuerung.",
		"Die Krankenhäuser meldeten in der ersten kalten Woche deutlich mehr Patienten.",
		"Die Opposition forderte eine Untersuchung der Vergabe des umstrittenen Auftrags.",
		"Die Schulen der Stadt erhalten neue Rechner aus einem Programm des Ministeriums.",
		"Die Polizei sperrte die Hauptstraße für mehrere Stunden, nachdem ein Lastwagen verunglückte.",
	},
	"es": {
		"El ayuntamiento aprobó el nuevo presupuesto tras un largo debate el martes por la noche.",
		"Las autoridades dijeron que la reparación del puente tardará al menos tres meses más.",
		"Los agricultores de la región temen un verano seco y el aumento del precio del gasóleo.",
		"El banco central mantuvo los tipos de interés y señaló que la inflación se modera.",
		"Los hospitales registraron un fuerte aumento de pacientes durante la primera ola de frío.",
		"La oposición pidió una investigación sobre la adjudicación del contrato público.",
		"Las escuelas recibirán nuevos ordenadores gracias a un programa del ministerio.",
		"La policía cortó la carretera principal durante varias horas tras un accidente.",
	},
	"fr": {
		"Le conseil municipal a adopté le nouveau budget après un long débat mardi soir.",
		"Les travaux sur le pont dureront encore au moins trois mois, selon les autorités.",
		"Les agriculteurs de la région s'inquiètent d'un été sec et de la hausse du carburant.",
		"La banque centrale a maintenu ses taux et souligné le ralentissement de l'inflation.",
		"Les hôpitaux ont signalé une forte hausse des admissions pendant la première vague de froid.",
		"L'opposition a réclamé une enquête sur l'attribution du marché public.",
		"Les écoles recevront de nouveaux ordinateurs grâce à un programme du ministère.",
		"La police a fermé la route principale pendant plusieurs heures après un accident.",
	},
	"pt": {
		"A câmara municipal aprovou o novo orçamento depois de um longo debate na terça-feira.",
		"As autoridades disseram que a reparação da ponte vai demorar pelo menos três meses.",
		"Os agricultores da região estão preocupados com o verão seco e o preço do gasóleo.",
		"O banco central manteve as taxas de juro e apontou para o abrandamento da inflação.",
		"Os hospitais registaram um forte aumento de doentes na primeira semana de frio.",
		"A oposição pediu um inquérito à adjudicação do contrato público.",
		"As escolas vão receber novos computadores ao abrigo de um programa do ministério.",
		"A polícia cortou a estrada principal durante várias horas após um acidente.",
	},
	"it": {
		"Il consiglio comunale ha approvato il nuovo bilancio dopo un lungo dibattito martedì sera.",
		"Secondo le autorità, i lavori sul ponte dureranno almeno altri tre mesi.",
		"Gli agricoltori della regione temono un'estate secca e l'aumento del gasolio.",
		"La banca centrale ha lasciato invariati i tassi e indicato un'inflazione in calo.",
		"Gli ospedali hanno registrato un forte aumento dei ricoveri nella prima settimana di freddo.",
		"L'opposizione ha chiesto un'inchiesta sull'assegnazione dell'appalto.",
		"Le scuole riceveranno nuovi computer grazie a un programma del ministero.",
		"La polizia ha chiuso la strada principale per diverse ore dopo un incidente.",
	},
	"ru": {
		"Городской совет утвердил новый бюджет после долгих споров во вторник вечером.",
		"По словам властей, ремонт моста продлится ещё как минимум три месяца.",
		"Фермеры региона опасаются засушливого лета и роста цен на топливо.",
		"Центральный банк сохранил ставку и указал на замедление инфляции.",
		"Больницы сообщили о резком росте числа пациентов в первую холодную неделю.",
		"Оппозиция потребовала расследовать распределение государственного контракта.",
		"Школы получат новые компьютеры по программе министерства.",
		"Полиция на несколько часов перекрыла главную дорогу после аварии грузовика.",
	},
	"pl": {
		"Rada miasta przyjęła nowy budżet po długiej debacie we wtorek wieczorem.",
		"Według władz naprawa mostu potrwa jeszcze co najmniej trzy miesiące.",
		"Rolnicy w regionie obawiają się suchego lata i rosnących cen paliwa.",
		"Bank centralny utrzymał stopy procentowe i wskazał na spadek inflacji.",
		"Szpitale odnotowały wyraźny wzrost liczby pacjentów w pierwszym tygodniu mrozów.",
		"Opozycja zażądała wyjaśnienia okoliczności przyznania kontraktu.",
		"Szkoły otrzymają nowe komputery w ramach programu ministerstwa.",
		"Policja zamknęła główną drogę na kilka godzin po wypadku ciężarówki.",
	},
	"tr": {
		"Belediye meclisi salı akşamı uzun bir tartışmanın ardından yeni bütçeyi onayladı.",
		"Yetkililer köprünün onarımının en az üç ay daha süreceğini söyledi.",
		"Bölgedeki çiftçiler kurak yazdan ve artan yakıt fiyatlarından endişe ediyor.",
		"Merkez bankası faizleri sabit tuttu ve enflasyonun yavaşladığına dikkat çekti.",
		"Hastaneler ilk soğuk haftada hasta sayısında keskin bir artış bildirdi.",
		"Muhalefet ihalenin verilme süreciyle ilgili soruşturma açılmasını istedi.",
		"Okullar bakanlığın programı kapsamında yeni bilgisayarlar alacak.",
		"Polis bir kamyonun devrilmesinin ardından ana yolu saatlerce kapattı.",
	},
	"zh": {
		"市议会在周二晚上经过长时间辩论后批准了新的预算。",
		"官员表示，大桥的维修工作至少还需要三个月。",
		"该地区的农民担心夏季干旱和燃料价格上涨。",
		"中央银行维持利率不变，并指出通胀正在放缓。",
		"医院报告称，入冬第一周的病人数量大幅增加。",
		"反对党要求调查这份合同的授予过程。",
		"根据教育部的计划，学校将获得新的电脑。",
		"一辆卡车发生事故后，警方封闭主要道路数小时。",
	},
	"ar": {
		"وافق المجلس البلدي على الميزانية الجديدة بعد نقاش طويل مساء الثلاثاء.",
		"قال المسؤولون إن إصلاح الجسر سيستغرق ثلاثة أشهر أخرى على الأقل.",
		"يخشى المزارعون في المنطقة صيفا جافا وارتفاع أسعار الوقود.",
		"أبقى البنك المركزي أسعار الفائدة دون تغيير وأشار إلى تباطؤ التضخم.",
		"أفادت المستشفيات بارتفاع حاد في عدد المرضى خلال أول أسبوع بارد.",
		"طالبت المعارضة بالتحقيق في طريقة منح العقد الحكومي.",
		"ستحصل المدارس على حواسيب جديدة ضمن برنامج الوزارة.",
		"أغلقت الشرطة الطريق الرئيسي لعدة ساعات بعد حادث شاحنة.",
	},
}

var mentions = map[string][]string{
	"en": {"Venezuela's government announced new oil export rules on Monday.", "Storms are expected to cross the Caribbean later this week."},
	"de": {"Die Regierung Venezuelas kündigte am Montag neue Regeln für Ölexporte an.", "In der Karibik werden in dieser Woche schwere Stürme erwartet."},
	"es": {"El Gobierno de Venezuela anunció el lunes nuevas normas para exportar petróleo.", "Se esperan fuertes tormentas en el Caribe a finales de semana."},
	"fr": {"Le gouvernement du Venezuela a annoncé lundi de nouvelles règles d'exportation.", "De fortes tempêtes sont attendues dans les Caraïbes cette semaine."},
	"pt": {"O governo da Venezuela anunciou na segunda-feira novas regras para o petróleo.", "São esperadas tempestades fortes no Caribe no fim da semana."},
	"it": {"Il governo del Venezuela ha annunciato lunedì nuove regole sull'export di petrolio.", "Sono attese forti tempeste nei Caraibi alla fine della settimana."},
	"ru": {"Правительство Венесуэлы в понедельник объявило новые правила экспорта нефти.", "На этой неделе в Карибском море ожидаются сильные штормы."},
	"pl": {"Wenezuela ogłosiła w poniedziałek nowe zasady eksportu ropy.", "Pod koniec tygodnia nad Karaibami spodziewane są silne burze."},
	"tr": {"Venezuela hükümeti pazartesi günü petrol ihracatı için yeni kurallar açıkladı.", "Hafta sonunda Karayipler'de şiddetli fırtınalar bekleniyor."},
	"zh": {"委内瑞拉政府周一宣布了新的石油出口规定。", "预计本周晚些时候加勒比地区将出现强风暴。"},
	"ar": {"أعلنت حكومة فنزويلا يوم الاثنين قواعد جديدة لتصدير النفط.", "من المتوقع أن تضرب عواصف قوية منطقة الكاريبي هذا الأسبوع."},
}

// entitiesYAML are the watched entities, in the bench's config.
const entitiesYAML = `entities:
  - id: venezuela
    kind: place
    country: VE
    names:
      en: [Venezuelan*]
      de: [Venezuela*, venezolanisch*]
      es: [venezolan*]
  - id: caribbean
    kind: place
    names:
      en: [Caribbean]
      de: [Karibik*]
      es: [Caribe]
      fr: [Caraïbes]
      pt: [Caribe]
      it: [Caraibi]
      ru: [Карибск*]
      pl: [Karaib*]
      tr: [Karayipler]
      zh: [加勒比]
      ar: [الكاريبي]
rules:
  - {id: watch, query: 'entity:venezuela OR entity:caribbean'}
`
