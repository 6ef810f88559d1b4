"""Seeded synthetic people of the region and a labelled evaluation set of re-registrations."""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from registry.domain.dedupe import Identity

# Registrations happen "now": ages given at the border are turned into birth years from here.
TODAY = date(2026, 1, 15)

# --------------------------------------------------------------------------------------------
# Names. Each entry is one name with its spellings, most common first ("/"-separated): the
# population uses the first spelling most of the time, a re-registration may use another.
# Lists are in rough order of frequency; frequencies follow Zipf's law.
# --------------------------------------------------------------------------------------------

_ARABIC_MALE = """
Mohamed/Mohammed/Muhammad/Mohamad/Mohammad/Muhamed/Mahamed/Maxamed
Ahmed/Ahmad/Axmed/Achmed Ali/Aly/Ally/Cali Hassan/Hasan/Hassani/Xasan
Abdi/Abdy/Cabdi Hussein/Husein/Hussain/Husseini/Xuseen Omar/Omari/Umar/Cumar
Abdullahi/Abdullah/Abdallah/Abdulla/Abdalla Yusuf/Yussuf/Youssouf/Yusuph/Yousuf
Ibrahim/Ibrahima/Ibraahim/Ebrahim Abdirahman/Abdurahman/Abdulrahman/Abdiraxmaan
Osman/Othman/Usman/Uthman/Cismaan Ismail/Ismael/Ismaail/Ismaili Farah/Faarah/Fara
Abdikadir/Abdulkadir/Abdiqadir/Abdukadir Said/Saidi/Sayid/Saeed Mustafa/Mustapha/Mustafe
Hamza/Hamzah/Xamza Adan/Aden/Aadan Musa/Mussa/Moussa/Muuse Abdiaziz/Abdulaziz/Abdiasis
Abdiwali/Abdulwali Bashir/Bashiir/Bachir Khalid/Khaled/Halid/Khalidi Rashid/Rashidi/Rachid
Salim/Salum/Saleem/Selim Juma/Jumaa Hamisi/Khamis/Hamis/Khamisi Ramadhani/Ramadhan/Ramazani
Shabani/Shaban/Chabani Bakari/Bakar/Abubakar Idris/Idrisa/Idrissa Jibril/Djibril/Jibriil
Issa/Isa/Iisa Nur/Nuur/Noor Sharif/Shariif/Cherif Abdirashid/Abdulrashid Mahad/Mahat
Dahir/Daahir/Tahir Abdisalam/Abdulsalam/Abdisalaam Hassanein Yahya/Yahye/Yahya Suleiman/Sulayman/Suleyman/Sulaiman
Zakaria/Zakariya/Sakariye Abdinasir/Abdinasser Ayub/Ayoub/Ayuub Liban/Libaan Guled/Guuleed
Warsame/Warsama Jama/Jaamac Hirsi/Xirsi Elmi/Cilmi Aweis/Awais/Uways Mukhtar/Muktar/Mukhtaar
"""
_ARABIC_FEMALE = """
Fatuma/Fatima/Fadumo/Faduma/Fatma Amina/Aminah/Aamina Halima/Halimo/Xaliimo/Halimah
Asha/Aisha/Aysha/Caasha/Aishah Hawa/Xawo/Hawo Khadija/Hadija/Kadija/Khadiija/Khadidja
Mariam/Maryam/Maryan/Mariamu Zainab/Zeinab/Zaynab/Zainabu Hodan/Hodhan Sahra/Sahara/Zahra
Ayan/Ayaan Ifrah/Ifra Nimo/Nimco Ubah/Ubax Deeqa/Deka Hibo Hibaq Sagal Leyla/Layla/Leila
Zamzam/Samsam Filsan Safiya/Safia/Safiyo Rukia/Rukiya/Ruqiya Mwanaisha/Mwanaysha
Rehema/Rahma/Rahmo Salma/Salmo Nasra/Nasro Sadia/Saadia/Sacdiya Habiba/Xabiibo
Saida/Saido/Saeeda Mwajuma/Mwanajuma Mwanahawa Jamila/Djamila/Jamiila Najma/Najmo
"""
_BURUNDI_RWANDA_MALE = """
Jean/Jan Jean Pierre/Jean-Pierre/Jeanpierre Jean Claude/Jean-Claude/Jeanclaude
Jean Marie/Jean-Marie Jean Baptiste/Jean-Baptiste Jean Bosco/Jean-Bosco/Jeanbosco
Emmanuel/Emanuel/Emmanuelle Eric/Erick/Eriq Didier/Didie Pascal/Paskal Patrick/Patric
Alexis/Alexi Gervais/Gervai Evariste/Evarist Pacifique/Pacific Desire/Désiré/Desiree
Prosper/Prospere Claude/Claud Fabrice/Fabrise Innocent/Inocent Olivier/Olivie Elie/Eli
Thierry/Tierry Aime/Aimé Aloys/Aloyse Onesphore/Onesfore Salvator/Salvatore Leonidas/Leonida
Gilbert/Gilber Dieudonne/Dieudonné/Dieu-Donne Deogratias/Deo-Gratias/Deogracias
Fidele/Fidèle Celestin/Célestin Vianney/Viyaney Ildephonse/Ildefonse Joseph/Josef
Apollinaire/Apolinaire Melchiade/Melchiades Cyprien/Ciprien Egide/Egid Pierre/Piere
Gaspard/Gaspar Japhet/Jafet Jonas/Yonas Samuel/Samwel Daniel/Danieli Elias/Eliya
Irakoze Kwizera Ndikumana Ishimwe Mugisha Niyonkuru Ndayisenga Habimana Nshuti
Tuyishime Manirambona Niyomwungere Bukuru Gakiza Hirwa Mugabo Iradukunda Cishahayo
"""
_BURUNDI_RWANDA_FEMALE = """
Marie/Mari Marie Claire/Marie-Claire Marie Louise/Marie-Louise Marie Goreth/Marie-Goreth/Goreth
Claudine/Clodine Josiane/Josianne Ange/Angèle Aline/Alline Jeanine/Jeannine/Janine
Sandrine/Sandrin Divine/Divina Clarisse/Klarisse Esperance/Espérance/Esperence
Immaculee/Immaculée/Imaculee Chantal/Shantal Beatrice/Béatrice/Beatris Godelieve/Godeliève
Annonciata/Anonciata Consolata/Konsolata Nadine/Nadin Francine/Fransine Odette/Odete
Spes/Spès Vestine/Vestina Jacqueline/Jaqueline Agnes/Agnès Alice/Alis Alphonsine/Alfonsine
Berthe/Berte Cecile/Cécile/Sesile Christine/Kristine Daphrose/Dafroza Emelyne/Emeline
Fabiola/Fabiyola Gloriose/Gloriosa Honorine/Onorine Jeanne/Jeane Joselyne/Josseline
Leocadie/Leocadia Liberate/Libérate Pelagie/Pélagie Scholastique/Skolastique Seraphine/Serafine
Irakoze Ineza Kaneza Keza Uwase Ishimwe Iradukunda Uwimana Mukamana Uwamahoro Ingabire
Mutoni/Umutoni Nishimwe Akimana Niyonsaba Tuyisenge Uwera Kayitesi Umuhoza Uwineza
"""
_BURUNDI_RWANDA_FAMILY = """
Ndayishimiye/Ndayisimiye/Ndayishimye Nshimirimana/Nshimiyimana/Nshimirimana
Niyonzima/Niyonzimana Hakizimana/Hakizimana Ndikumana/Ndikumane Nkurunziza/Nkurunziza
Niyongabo/Niyongabo Bizimana/Bizimana Ndayizeye/Ndayizeye Manirakiza/Manirakisa
Niyonkuru/Niyonkuru Ntakirutimana/Ntakirutimana Nduwimana/Nduwimana Habonimana/Habonimana
Havyarimana/Habyarimana/Habyalimana Nahimana/Nahimana Ndihokubwayo/Ndihokubwayo
Nsengiyumva/Nsengiyumva Niyibizi/Niyibizi Irankunda/Irankunda Ciza/Chiza Nizigiyimana/Nizigiyimana
Ndayikengurukiye Barutwanayo Nzeyimana/Nzeyimana Ntirampeba Minani/Minani Nibigira/Nibigira
Kwizera/Kwizera Nimbona/Nimbona Ntahomvukiye Sindayigaya Mpawenimana/Mpawenayo
Bigirimana/Bigirimana Ndabaneze Niyokwizera Ndimurukundo Ndizeye/Ndizeye Hatungimana
Harerimana/Harelimana Butoyi/Butoyi Ntunzwenimana Nzisabira Ngendakumana/Ngendakumana
Nsabimana/Nsabiyimana Uwimana/Uwimana Mukamana/Mukamana Mukeshimana/Mukeshimana
Niyonsenga/Niyonsenga Habimana/Habimana Nsengimana/Nsengimana Twagirimana/Twagilimana
Nkusi Gatete Murenzi Mugabo Nshuti Kayitesi Mukandayisenga Nyiramana Bizimungu Ndahiro
Munyaneza/Munyaneza Tuyisenge/Tuyisenge Hategekimana/Hategekimana Uwamahoro Ingabire
Mugisha Iradukunda Nsabimana Rukundo Nzabonimpa Nzabonimana Ntawukuriryayo
Ndayiragije Sinzinkayo Bukuru Ntibazonkiza Nkeshimana Mbonimpa Ntiranyibagira Gahungu
Barankitse Ndimubandi Nduwayo Nkunzimana Bucumi Ndagijimana Kabura Niyoyankunze
Sindayihebura Ntakarutimana Hakorimana Nisabwe Ndereyimana Nkeshimana Hitimana Niyukuri
Ahishakiye Arakaza Bigirimana Bizindavyi Ciza Gahimbare Hakizimana Iteriteka Kamikazi
Kanyange Manirambona Misago Mpozenzi Mukeshimana Musaniwabo Ndagijimana Ndayambaje
Ndayikeza Ndikuriyo Ndorere Nduwarugira Ngabirano Nijimbere Nimpagaritse Ninahazwe
Niyonizigiye Nkeshimana Nsavyimana Ntahombaye Ntakiyiruta Ntihinyurwa Nzokirantevye
Rurakamvye Sabushimike Sibomana Simbananiye Sinarinzi Twizerimana Uwizeyimana Yamuremye
"""
# Kirundi and Kinyarwanda family names are not inherited: each child is given their own, a
# phrase built from common elements (Ndayi-shimiye, Niyo-nzima, Haki-zimana). The real names
# above are the common head; these compositions give the long tail a real population has.
_KIRUNDI_PREFIXES = (
    "Ndayi", "Niyo", "Haki", "Nshimi", "Bizi", "Ntaki", "Ndiku", "Nduwi", "Mani", "Hate", "Nsabi",
    "Nzeyi", "Sinda", "Ntira", "Mpawe", "Hatungi", "Hare", "Habo", "Tuyi", "Nizi", "Ntunzwe",
    "Bigiri", "Ngenda", "Ndiho", "Nkunzi", "Nsengi", "Twagiri", "Habi", "Ndiri", "Kwi",
)  # fmt: skip
_KIRUNDI_STEMS = (
    "mana", "kiza", "zeye", "shimiye", "senga", "kuru", "nzima", "gabo", "kunda", "bona",
    "zigiye", "rutimana", "kubwayo", "mungu", "gira", "hora", "remye", "tegeka", "jimana",
    "mpaye", "nkiko", "zera", "baruta", "kengurukiye", "hebura", "yankunze", "rinzi", "kwizera",
    "kunze", "nkuye",
)  # fmt: skip
_KIRUNDI_TAIL = " ".join(prefix + stem for stem in _KIRUNDI_STEMS for prefix in _KIRUNDI_PREFIXES)
# The same for the rest of the region's Bantu and Nilotic family names, from common opening
# and closing syllables (Ka-songo, Mu-kendi, O-tieno): the lists below are their common head.
_BANTU_OPENINGS = (
    "Ka", "Mu", "Ki", "Ma", "Ba", "Nya", "Wa", "Bu", "Lu", "Na", "Sse", "O", "Ngu", "Mwa",
)  # fmt: skip
_BANTU_CLOSINGS = (
    "bulu", "kendi", "tende", "songo", "lemba", "zinga", "pendo", "hinga", "rasa", "tembo",
    "yaga", "kumbi", "ronda", "bwire", "gesa", "dende", "limo", "tanga", "sanga", "bega", "koma",
    "wango", "hanga", "runga", "kondo", "lanzi", "mbila", "sasa", "ndolo", "tamba", "gabo",
    "kasa", "wenda", "chira", "mali", "nene", "yanja", "kubo", "lende", "simba",
)  # fmt: skip
_BANTU_TAIL = " ".join(opening + closing for closing in _BANTU_CLOSINGS for opening in _BANTU_OPENINGS)
# Ethiopian and Eritrean names are often compounds: Gebre-Medhin, Wolde-Mariam, Haile-Selassie.
_ETHIOPIAN_TAIL = " ".join(
    first + second
    for second in (
        "mariam", "selassie", "medhin", "egziabher", "kidan", "yesus", "giorgis", "michael",
        "hiwot", "tsion", "gabriel", "ab", "amlak", "yohannes",
    )
    for first in ("Gebre", "Wolde", "Haile", "Tekle", "Habte", "Kidane", "Fikre", "Tesfa", "Berhane", "Ghebre", "Zere")
)  # fmt: skip

_CONGO_MALE = """
Jean/Jan Joseph/Josef Patrick/Patric Dieudonne/Dieudonné Papy/Papi Tresor/Trésor
Jonathan/Jonatan Christian/Kristian Fiston/Fistone Heritier/Héritier/Eritier Glody/Glodi
Exauce/Exaucé Espoir/Espwar Junior Jacques/Jaques Pascal/Paskal Emmanuel/Emanuel
Moise/Moïse/Moses Josue/Josué Gedeon/Gédéon Elie/Eli Aime/Aimé Prince/Prins Rodrigue/Rodrig
Serge/Serj Eric/Erick Didier Gloire/Glwar Plamedi/Plamedie Blaise/Blaize Chadrack/Shadrack
Alain/Alin Benjamin/Benjamen Bienvenu/Bienvenue Celestin/Célestin Fabrice/Fabrise
Guy/Gi Innocent/Inocent Jean Paul/Jean-Paul Jean Marie/Jean-Marie Justin/Justen Kevin/Kevine
Baraka Amani Bahati Furaha Shukuru Byamungu Safari Mapendo Akili Bisimwa Cirhuza Mirindi
"""
_CONGO_FEMALE = """
Marie/Mari Grace/Grâce Esther/Ester Rachel/Rashel Ruth/Rut Chance/Chanse Nadege/Nadège
Blandine/Blandina Alphonsine/Alfonsine Benedicte/Bénédicte Merveille/Merveil Neema/Nema
Furaha Sifa Esperance/Espérance Francine/Fransine Solange/Solanje Deborah/Debora
Sarah/Sara Rebecca/Rebeka Jeanne/Jeane Clementine/Clémentine Julienne/Julienn
Anuarite/Anwarite Mireille/Mireil Nathalie/Natalie Gisele/Gisèle Aline Riziki Zawadi
Bahati Mapendo Nsimire/Nsimile Mwamini Kavira Masika Kahindo Kavugho/Kavugo Furaha
Arlette/Arlete Benie/Bénie Dorcas/Dorkas Elodie/Elodi Fifi Gracia/Grasia Joelle/Joëlle
"""
_CONGO_FAMILY = """
Kambale/Kambali Kahindo Masika Kavira Paluku/Palluku Mumbere/Mumbele Muhindo/Muindo
Kasereka/Kaserika Katembo/Katembu Kavugho Kasoki Mbusa Kakule/Kakulé Musubao Kyakimwa
Bisimwa/Bisimwe Cirhuza/Chirhuza/Cirhuzha Mushagalusa/Mushagaluza Bahati Byamungu Amani
Furaha Mapendo Zawadi Neema Shukuru Baraka Mwamba/Mwambwa Kabongo/Kabongu Ilunga/Ilunge
Mukendi/Mukendy Kalala/Kalalla Tshibangu/Tchibangu/Chibangu Kasongo/Kasongu Mutombo/Mutumbo
Ngoy/Ngoyi Banza/Bansa Mulumba/Mulumbwa Kayembe/Kayembi Lukusa/Lukuza Mbuyi/Mbuyu
Tshimanga/Tchimanga Kabeya/Kabeya Kanku/Kankou Nkulu/Nkoulou Mwanza/Mwansa
Bisengimana/Bisengimana Rukundo/Rukundu Sebahire/Sebahiré Tshisekedi/Tchisekedi/Tshisekeddi
Kabila/Kabilla Lumumba/Loumoumba Mbala/Mballa Makiese/Makiesse Lukaku/Loukakou Nzuzi/Nzouzi
Kiala/Kyala Matondo/Matundo Mayala/Mayalla Bokungu Bolamba Ekofo Ikomba Lokuli Mputu
Shabani/Chabani Ramazani/Ramadhani Amisi/Hamisi Saidi/Said Mirindi Akonkwa Murhula
Bagalwa Balume Zihindula Birindwa Lwambo Nabintu Mugisho Bulonza Chishugi Kashindi
"""
_UGANDA_MALE = """
John/Jon Joseph/Josef Moses/Mozes Isaac/Isaak Ronald/Ronnie Brian/Bryan Ivan/Ivans
Denis/Dennis Godfrey/Godfree Robert/Robat Peter/Petero Paul/Paulo Emmanuel/Emanuel
Richard/Richad Charles/Chalres Samuel/Samwiri Andrew/Andrea David/Daudi Stephen/Steven
Fred/Fredrick Henry/Henri Julius/Julious Patrick/Patric Geoffrey/Jeffrey Simon/Simone
"""
_UGANDA_FEMALE = """
Sarah/Sara Grace/Gress Prossy/Prossie Mary/Maria Florence/Florance Esther/Ester
Agnes/Agness Juliet/Juliette Gloria/Glorya Patience/Pasience Doreen/Dorine Harriet/Hariet
Joan/Joanne Betty/Bety Rose/Rosé Susan/Suzan Annet/Annette Brenda/Brender Christine/Kristine
Irene/Irine Judith/Judit Lydia/Lidia Margaret/Magret Rebecca/Rebekah Ruth/Rut Winnie/Winny
"""
_UGANDA_FAMILY = """
Okello/Okelo Mugisha/Mugisa Tumusiime/Tumusime Byaruhanga/Byaruhaga Kato/Katto
Ssemakula/Semakula Nsubuga/Nsubugha Mukasa/Mukassa Kiggundu/Kigundu Lubega/Lubbega
Wasswa/Waswa Nakato/Nakatto Namutebi/Namutebbi Nalubega/Nalubbega Nabirye/Nabire
Nansubuga/Nansubugha Atim/Attim Akello/Akelo Apio/Apiyo Opio/Opiyo Odongo/Odong
Ouma/Owuma Tumwine/Tumwiine Asiimwe/Asimwe Ainembabazi/Aynembabazi Kyomuhendo/Kyomuendo
Twinomugisha/Twinomugisa Mwesigwa/Mwesigwe Musoke/Musoki Ssali/Sali Kaggwa/Kagwa
Mugerwa/Mugelwa Namukasa Nankya Nakimuli Kisembo Kabagambe Byamukama Turyamureeba
Ahimbisibwe Ampaire Arinaitwe Atuhaire Bagonza Baguma Kakooza Katusiime Komakech Obua
"""
_KENYA_MALE = """
John/Jon Peter/Piter James/Jeims Joseph/Josef David/Daudi Daniel/Danieli Samuel/Samwel
Stephen/Steven Brian/Bryan Kevin/Kelvin Dennis/Denis Paul/Paulo Francis/Fransis
Michael/Mikael Moses/Musa Charles/Chales George/Jorge Patrick/Patric Simon/Symon
Collins/Colins Victor/Viktor Kennedy/Kenedy Vincent/Vinsent Wilson/Wilsoni Isaac/Isack
"""
_KENYA_FEMALE = """
Mary/Mery Jane/Jeyn Faith/Feith Mercy/Mersy Grace/Gress Esther/Ester Lucy/Lusy Ann/Anne
Caroline/Carolyne Purity/Pyurity Wanjiru/Wanjiro Wambui/Wambuy Wanjiku/Wanjiko Njeri/Njery
Akinyi/Akiny Atieno/Atyeno Achieng/Achieng' Chebet/Chepet Jepkosgei/Jepkoskei Nyambura/Nyambra
Beatrice/Beatris Catherine/Katherine Dorcas/Dorkas Eunice/Yunis Joyce/Joice Lilian/Lillian
"""
_KENYA_FAMILY = """
Kamau/Kamao Mwangi/Mwangy Njoroge/Njoroji Otieno/Otyeno Ochieng/Ochieng'/Ochien Odhiambo/Odiambo
Omondi/Omondy Onyango/Onyangu Wanjala/Wanjalla Wafula/Wafulla Kiprotich/Kiprotic Kipchoge/Kipchoje
Cheruiyot/Cheruyot Mutua/Mutwa Musyoka/Musioka Kimani/Kimany Kariuki/Kariuky Githinji/Githinjy
Macharia/Macharya Njuguna/Njugunah Wekesa/Wekessa Barasa/Barrasa Ngugi/Ngugy Korir/Korri
Kiplagat/Kiplagatt Rotich/Rotic Langat/Langatt Koech/Kwech Ndungu/Ndung'u Waweru/Waweru
Kibet/Kibett Mutai/Mutay Owino/Owinno Oduor/Oduori Achieng Wambua/Wambwa Muriuki/Muriuky
Nyaga/Nyagah Mugo/Mugoh Gitau/Gitao Chege/Chegge Karanja/Karanjah Maina/Mainah Kinyua/Kinyuah
"""
_ETHIOPIA_MALE = """
Abebe/Abebbe Alemayehu/Alemayahu/Alemaihu Bekele/Bekelle Dawit/Dawitt Getachew/Getachewu/Getacho
Girma/Guirma Haile/Hayle/Hailé Kebede/Kebbede Mekonnen/Mekonen/Makonnen Solomon/Selomon
Tesfaye/Tesfay/Tesfai Tadesse/Tadese/Taddese Yohannes/Yohanes/Yohannis Berhane/Berhan/Birhane
Mulugeta/Mulugetta Tewodros/Tewodiros/Teodros Yonas/Yonnas Henok/Henock Biniam/Biniyam/Beniam
Daniel/Daniél Samuel/Samuél Mohammed/Mohamed/Muhammed Ahmed/Ahmad Kidane/Kidan Gebre/Gebru/Gebray
Mesfin/Mesfen Wondimu/Wondemu Asfaw/Asfew Abraham/Abrham Tekle/Teklay/Teklai Fikre/Fikru
Amanuel/Emmanuel/Amanouel Negash/Negasi Desta/Dessta Hagos/Hagoss Kahsay/Kassay Gebremedhin/Gebremedin
Tsegaye/Tsegay Eyob/Iyob Habtamu/Habtemu Worku/Werku Yared/Yaared Zerihun/Zerihoun
"""
_ETHIOPIA_FEMALE = """
Almaz/Almaaz Tigist/Tegist/Tigest Meseret/Mesert Selam/Selamawit Hiwot/Hiwet Bethlehem/Betelhem
Mekdes/Mekdess Tsion/Zion/Tsiyon Senait/Senayt Rahel/Rachel/Raheel Aster/Astere Genet/Ganet
Hanna/Hana Liya/Lia Meron/Meronn Saba/Sabba Eden/Edenn Feven/Fiven Yordanos/Yordanose
Fikirte/Fikerte Helen/Hellen Kidist/Kedist Mahlet/Mahelet Netsanet/Netsannet Rediet/Redeat
Sara/Sarah Tirhas/Terhas Yeshi/Yeshe Zewditu/Zauditu Abeba/Abebech Birtukan/Birtukane
"""
_TANZANIA_MALE = """
John/Jon Joseph/Josephu Emmanuel/Emanuel Juma/Jumaa Hamisi/Khamis Ally/Ali Rashidi/Rashid
Salum/Salim Said/Saidi Bakari/Bakar Hassani/Hassan Omari/Omar Shabani/Shaban
Ramadhani/Ramadhan Abdallah/Abdalla Athumani/Athuman/Othman Musa/Mussa Yusuph/Yusuf
Iddi/Idd Peter/Petro Paulo/Paul Daudi/David Elia/Elias Godfrey/Godfrei Baraka Amani Faraja
"""
_TANZANIA_FEMALE = """
Mwanaisha/Mwanaysha Zainabu/Zainab Mwajuma/Mwanajuma Rehema/Rehma Neema/Nema Esther/Ester
Anna/Ana Grace/Gress Halima/Halimah Mariam/Mariamu Mwanahawa Asha/Aisha Fatuma/Fatma
Happiness/Hapiness Upendo/Upendoh Joyce/Joice Agnes/Agness Rukia/Rukiya Saida/Saidah
Tatu/Tatuu Mwanahamisi Amina/Aminah Salma/Salmah Rose/Roze Lucy/Lusy Witness/Witnes
"""
_TANZANIA_FAMILY = """
Juma/Jumaa Mwakyusa/Mwakyussa Mrema/Mremma Massawe/Masawe Kimaro/Kimarro Mushi/Mushy
Lyimo/Lyimu Mollel/Molel Shayo/Shayo Mbwambo/Mbwambu Mwakalinga/Mwakalinga Kiwelu/Kiwello
Swai/Swaii Temba/Tembah Magesa/Magessa Mapunda/Mapundah Komba/Kombah Nyirenda/Nyerenda
Mwita/Mwitta Chacha/Chacha Marwa/Marwah Ramadhani/Ramadhan Hamisi/Khamis Athumani/Athuman
Omari/Omar Mfinanga/Mfinangah Haji/Hajji Makame/Makamé Mohamed/Mohammed Saidi/Said
Bakari/Bakary Salim/Salum Ngowi/Ngowy Minja/Minjah Urassa/Urasa Tarimo/Tarimu Kessy/Kesi
Msuya/Msuyah Mwamba/Mwambah Kisanga/Kisangah Mwakasege Shirima/Shirimah Kombe/Kombeh
"""

# How officers who type in another script write some of these names.
ARABIC_SCRIPT = {
    "Mohamed": "محمد", "Ahmed": "أحمد", "Ali": "علي", "Hassan": "حسن", "Hussein": "حسين",
    "Omar": "عمر", "Abdullahi": "عبدالله", "Yusuf": "يوسف", "Ibrahim": "إبراهيم",
    "Abdirahman": "عبدالرحمن", "Osman": "عثمان", "Ismail": "إسماعيل", "Farah": "فارح",
    "Abdikadir": "عبدالقادر", "Said": "سعيد", "Mustafa": "مصطفى", "Hamza": "حمزة", "Adan": "آدم",
    "Musa": "موسى", "Abdiaziz": "عبدالعزيز", "Bashir": "بشير", "Khalid": "خالد", "Rashid": "رشيد",
    "Salim": "سالم", "Idris": "إدريس", "Jibril": "جبريل", "Issa": "عيسى", "Nur": "نور",
    "Sharif": "شريف", "Yahya": "يحيى", "Suleiman": "سليمان", "Zakaria": "زكريا", "Ayub": "أيوب",
    "Mukhtar": "مختار", "Abdi": "عبدي", "Dahir": "ظاهر", "Jama": "جامع",
    "Fatuma": "فاطمة", "Amina": "أمينة", "Halima": "حليمة", "Asha": "عائشة", "Hawa": "حواء",
    "Khadija": "خديجة", "Mariam": "مريم", "Zainab": "زينب", "Sahra": "زهرة", "Layla": "ليلى",
    "Safiya": "صفية", "Rukia": "رقية", "Rehema": "رحمة", "Salma": "سلمى", "Habiba": "حبيبة",
    "Jamila": "جميلة", "Najma": "نجمة", "Saida": "سعيدة", "Leyla": "ليلى", "Ubah": "عبه",
}  # fmt: skip
ETHIOPIC_SCRIPT = {
    "Abebe": "አበበ", "Kebede": "ከበደ", "Tesfaye": "ተስፋዬ", "Haile": "ኃይሌ", "Dawit": "ዳዊት",
    "Solomon": "ሰሎሞን", "Almaz": "አልማዝ", "Tigist": "ትዕግስት", "Yohannes": "ዮሐንስ",
    "Mulugeta": "ሙሉጌታ", "Girma": "ግርማ", "Bekele": "በቀለ", "Selam": "ሰላም", "Hiwot": "ሕይወት",
    "Meseret": "መሰረት", "Tadesse": "ታደሰ", "Getachew": "ጌታቸው", "Alemayehu": "ዓለማየሁ",
    "Mekonnen": "መኮንን", "Berhane": "ብርሃነ", "Mohammed": "መሐመድ", "Ahmed": "አሕመድ",
    "Yonas": "ዮናስ", "Henok": "ሄኖክ", "Daniel": "ዳንኤል", "Samuel": "ሳሙኤል", "Kidane": "ኪዳነ",
    "Gebre": "ገብሬ", "Mesfin": "መስፍን", "Asfaw": "አስፋው", "Abraham": "አብርሃም", "Tekle": "ተክሌ",
    "Hagos": "ሓጎስ", "Tsegaye": "ፀጋዬ", "Habtamu": "ሀብታሙ", "Worku": "ወርቁ", "Yared": "ያሬድ",
    "Mekdes": "መቅደስ", "Tsion": "ጽዮን", "Senait": "ሰናይት", "Rahel": "ራሔል", "Aster": "አስቴር",
    "Genet": "ገነት", "Hanna": "ሐና", "Meron": "ሜሮን", "Saba": "ሳባ", "Eden": "ኤደን",
    "Feven": "ፌቨን", "Kidist": "ቅድስት", "Mahlet": "ማህሌት", "Tirhas": "ትርሓስ", "Abeba": "አበባ",
}  # fmt: skip


@dataclass(frozen=True)
class NameList:
    """Names with their spellings and Zipf weights."""

    spellings: tuple[tuple[str, ...], ...]
    cumulative: tuple[float, ...]

    @classmethod
    def parse(cls, text: str, exponent: float = 0.9) -> NameList:
        # "Jean Pierre/Jean-Pierre" is one entry: entries are separated by spaces except inside
        # a compound name, which is written with a hyphen in its first spelling.
        entries: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for raw in text.split():
            spellings = tuple(dict.fromkeys(s.replace("_", " ") for s in raw.split("/")))
            if spellings[0] not in seen:  # a name listed twice keeps its first rank
                seen.add(spellings[0])
                entries.append(spellings)
        weights = [1 / (rank + 1) ** exponent for rank in range(len(entries))]
        return cls(tuple(entries), tuple(itertools.accumulate(weights)))

    def pick(self, rng: random.Random) -> tuple[str, ...]:
        return self.spellings[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _compound(text: str) -> str:
    # Two-word first spellings ("Jean Pierre/Jean-Pierre") are kept together for parsing.
    out = []
    for line in text.splitlines():
        for first in ("Jean", "Marie"):
            for second in (
                "Pierre", "Claude", "Marie", "Baptiste", "Bosco", "Paul", "Claire", "Louise", "Goreth",
            ):  # fmt: skip
                line = line.replace(f"{first} {second}/", f"{first}_{second}/")
        out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class Nationality:
    code: str
    share: float
    male: NameList
    female: NameList
    family: NameList | None  # None: the family names are a father's and grandfather's names
    given_words: tuple[float, float]  # chance of 2 given names, chance of 2 family names
    calling_code: str


NATIONALITIES: tuple[Nationality, ...] = (
    Nationality(
        "BDI", 0.28,
        NameList.parse(_compound(_BURUNDI_RWANDA_MALE), 0.7),
        NameList.parse(_compound(_BURUNDI_RWANDA_FEMALE), 0.7),
        NameList.parse(_BURUNDI_RWANDA_FAMILY + _KIRUNDI_TAIL, 0.5), (0.25, 0.05), "257",
    ),
    Nationality(
        "COD", 0.24,
        NameList.parse(_compound(_CONGO_MALE), 0.7), NameList.parse(_CONGO_FEMALE, 0.7),
        NameList.parse(_CONGO_FAMILY + _BANTU_TAIL, 0.5), (0.2, 0.4), "243",
    ),
    Nationality(
        "RWA", 0.10,
        NameList.parse(_compound(_BURUNDI_RWANDA_MALE), 0.7),
        NameList.parse(_compound(_BURUNDI_RWANDA_FEMALE), 0.7),
        NameList.parse(_BURUNDI_RWANDA_FAMILY + _KIRUNDI_TAIL, 0.5), (0.25, 0.05), "250",
    ),
    Nationality(
        "UGA", 0.08,
        NameList.parse(_UGANDA_MALE), NameList.parse(_UGANDA_FEMALE),
        NameList.parse(_UGANDA_FAMILY + _BANTU_TAIL, 0.5), (0.2, 0.05), "256",
    ),
    Nationality(
        "KEN", 0.07,
        NameList.parse(_KENYA_MALE), NameList.parse(_KENYA_FEMALE),
        NameList.parse(_KENYA_FAMILY + _BANTU_TAIL, 0.5), (0.35, 0.05), "254",
    ),
    Nationality(
        "SOM", 0.09,
        NameList.parse(_ARABIC_MALE, 1.0), NameList.parse(_ARABIC_FEMALE, 1.0),
        None, (0.0, 1.0), "252",
    ),
    Nationality(
        "ETH", 0.08,
        NameList.parse(_ETHIOPIA_MALE + _ETHIOPIAN_TAIL, 0.7), NameList.parse(_ETHIOPIA_FEMALE, 0.8),
        None, (0.0, 0.5), "251",
    ),
    Nationality(
        "TZA", 0.06,
        NameList.parse(_TANZANIA_MALE), NameList.parse(_TANZANIA_FEMALE),
        NameList.parse(_TANZANIA_FAMILY + _BANTU_TAIL, 0.5), (0.15, 0.05), "255",
    ),
)  # fmt: skip
_NATIONALITY_WEIGHTS = tuple(itertools.accumulate(n.share for n in NATIONALITIES))

# Every spelling -> all spellings of its name, for re-registrations that spell it otherwise.
SPELLINGS: dict[str, tuple[str, ...]] = {}
for _nationality in NATIONALITIES:
    for _names in (_nationality.male, _nationality.female, _nationality.family):
        for _entry in _names.spellings if _names else ():
            for _written in _entry:
                SPELLINGS.setdefault(_written, _entry)


# Compound given names, as their first spelling writes them.
COMPOUNDS = tuple(
    sorted({entry[0] for entry in SPELLINGS.values() if " " in entry[0]}, key=len, reverse=True)
)

# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """A person as an officer typed them: documents and phone as written, not normalised."""

    given_names: str
    family_name: str
    sex: str
    date_of_birth: date | None
    dob_precision: str
    nationality: str
    documents: tuple[str, ...]
    phone: str
    other_names: str = ""

    def identity(self) -> Identity:
        return Identity(
            given_names=self.given_names,
            family_name=self.family_name,
            other_names=self.other_names,
            sex=self.sex,
            date_of_birth=self.date_of_birth,
            dob_precision=self.dob_precision,
            nationality=self.nationality,
            document_numbers=frozenset(self.documents),
            phone=self.phone,
        )


def _spelling(entry: tuple[str, ...], rng: random.Random) -> str:
    # Most people's names are written the usual way; some the other ways.
    return entry[0] if len(entry) == 1 or rng.random() < 0.7 else rng.choice(entry[1:])


def _birth(rng: random.Random) -> tuple[date, str]:
    # Migrants at the border: many children, most adults between 18 and 45.
    roll = rng.random()
    age = (
        rng.randint(0, 17)
        if roll < 0.3
        else rng.randint(18, 45)
        if roll < 0.9
        else rng.randint(46, 80)
    )
    roll = rng.random()
    precision = "exact" if roll < 0.45 else "year" if roll < 0.7 else "estimated"
    year = TODAY.year - 1 - age
    if precision == "exact":
        return date(year, rng.randint(1, 12), rng.randint(1, 28)), precision
    return date(year, 7, 1), precision


def _document(rng: random.Random, code: str) -> str:
    kind = rng.random()
    if kind < 0.4:  # passport
        return f"{rng.choice('ABCOPN')}{rng.choice('ABCKP')}{rng.randrange(10**7):07d}"
    if kind < 0.8:  # national identity card
        return f"{code[0]}{rng.randrange(10**9):09d}"
    return f"{rng.randrange(10**3):03d}-{rng.randrange(10**2):02d}C{rng.randrange(10**5):05d}"


def _phone(rng: random.Random, calling_code: str) -> str:
    digits = 7 if calling_code == "257" else 8  # Burundi's numbers are a digit shorter
    national = f"7{rng.randrange(10**digits):0{digits}d}"
    style = rng.random()
    if style < 0.5:
        return f"+{calling_code} {national[:3]} {national[3:6]} {national[6:]}"
    return f"0{national}"


def _family_names(nationality: Nationality, rng: random.Random) -> str:
    if nationality.family is None:
        # Somali and Ethiopian names: the father's name, often the grandfather's too.
        count = 2 if rng.random() < nationality.given_words[1] else 1
        return " ".join(_spelling(nationality.male.pick(rng), rng) for _ in range(count))
    count = 2 if rng.random() < nationality.given_words[1] else 1
    return " ".join(_spelling(nationality.family.pick(rng), rng) for _ in range(count))


def random_person(rng: random.Random, family_of: Registration | None = None) -> Registration:
    """One registration; `family_of` makes a relative (same family name and phone)."""
    if family_of is not None:
        nationality = next(n for n in NATIONALITIES if n.code == family_of.nationality)
    else:
        nationality = NATIONALITIES[
            bisect(_NATIONALITY_WEIGHTS, rng.random() * _NATIONALITY_WEIGHTS[-1])
        ]
    sex = "female" if rng.random() < 0.48 else "male"
    names = nationality.female if sex == "female" else nationality.male
    first = names.pick(rng)
    given = [_spelling(first, rng)]
    if rng.random() < nationality.given_words[0]:
        second = names.pick(rng)
        # Not "Jean Jean-Pierre": a second given name shares no word with the first.
        if not set(first[0].split()) & set(second[0].split()):
            given.append(_spelling(second, rng))
    born, precision = _birth(rng)
    if family_of is not None:
        family, phone = family_of.family_name, family_of.phone
    else:
        family = _family_names(nationality, rng)
        phone = _phone(rng, nationality.calling_code) if rng.random() < 0.55 else ""
    documents = (_document(rng, nationality.code),) if rng.random() < 0.4 else ()
    return Registration(
        given_names=" ".join(given),
        family_name=family,
        sex=sex,
        date_of_birth=born,
        dob_precision=precision,
        nationality=nationality.code,
        documents=documents,
        phone=phone,
    )


# People are made in chunks, each from its own seed, so that any chunk can be made on its own
# (by another process) and the population is the same however it is split.
CHUNK = 25_000


def generate_chunk(seed: int, chunk: int, count: int = CHUNK) -> list[Registration]:
    """Chunk `chunk` of the population: people chunk * CHUNK + 1 ... (ids are 1-based)."""
    rng = random.Random(seed * 1_000_003 + chunk)
    people: list[Registration] = []
    previous: Registration | None = None
    for _ in range(count):
        # About one in ten is a relative of the person registered just before.
        relative = previous is not None and previous.family_name and rng.random() < 0.1
        previous = random_person(rng, previous if relative else None)
        people.append(previous)
    return people


def generate_people(count: int, seed: int = 1) -> Iterator[Registration]:
    """`count` registrations, the same for the same seed."""
    for chunk in range((count + CHUNK - 1) // CHUNK):
        yield from generate_chunk(seed, chunk, min(CHUNK, count - chunk * CHUNK))


# --------------------------------------------------------------------------------------------
# Variations: how the same person comes out of a second registration
# --------------------------------------------------------------------------------------------

Variation = Callable[[Registration, random.Random], Registration | None]

_KEYBOARD = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "wa", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "xa",
}  # fmt: skip


def misspell(word: str, rng: random.Random) -> str:
    """One letter wrong (a neighbouring key), missing, doubled or swapped; never the first."""
    i = rng.randrange(1, len(word))  # officers rarely get the first letter wrong
    kind = rng.random()
    letter = word[i].lower()
    if kind < 0.35 and letter in _KEYBOARD:
        return word[:i] + rng.choice(_KEYBOARD[letter]) + word[i + 1 :]
    if kind < 0.6:
        return word[:i] + word[i + 1 :]
    if kind < 0.8:
        return word[:i] + word[i] + word[i:]
    if i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i]


def _words(person: Registration) -> list[tuple[str, int]]:
    return [
        (word, part)
        for part, text in enumerate((person.given_names, person.family_name))
        for word in text.split()
    ]


def _replace_word(person: Registration, part: int, old: str, new: str) -> Registration:
    words = (person.family_name if part else person.given_names).split()
    words[words.index(old)] = new
    if part:
        return replace(person, family_name=" ".join(words))
    return replace(person, given_names=" ".join(words))


def spelling_variant(person: Registration, rng: random.Random) -> Registration | None:
    """Mohamed registered as Muhammad: another usual spelling of one name."""
    options = [(w, p) for w, p in _words(person) if len(SPELLINGS.get(w, ())) > 1]
    for text in (person.given_names,):
        if text in SPELLINGS and len(SPELLINGS[text]) > 1:  # compound given names
            other = rng.choice([s for s in SPELLINGS[text] if s != text])
            return replace(person, given_names=other)
    if not options:
        return None
    word, part = rng.choice(options)
    return _replace_word(person, part, word, rng.choice([s for s in SPELLINGS[word] if s != word]))


def typo(person: Registration, rng: random.Random) -> Registration | None:
    """One letter wrong, missing, doubled or swapped in one name."""
    options = [(w, p) for w, p in _words(person) if len(w) >= 4]
    if not options:
        return None
    word, part = rng.choice(options)
    return _replace_word(person, part, word, misspell(word, rng))


def swapped_names(person: Registration, rng: random.Random) -> Registration | None:
    """Given and family names entered the other way round."""
    if not person.family_name or not person.given_names:
        return None
    return replace(person, given_names=person.family_name, family_name=person.given_names)


def no_family_name(person: Registration, rng: random.Random) -> Registration | None:
    """Only the given names recorded."""
    if not person.family_name or not person.given_names:
        return None
    return replace(person, family_name="")


def joined_names(person: Registration, rng: random.Random) -> Registration | None:
    """A compound name written otherwise (Jean-Pierre, Jean Pierre, Jeanpierre), or the
    father's name taken for a second given name (Somali and Ethiopian names)."""
    for compound in COMPOUNDS:
        for form in (compound, compound.replace(" ", "-"), compound.replace(" ", "")):
            if f" {form} " in f" {person.given_names} ":
                other = rng.choice(
                    [
                        f
                        for f in (compound, compound.replace(" ", "-"), compound.replace(" ", ""))
                        if f != form
                    ]
                )
                return replace(
                    person,
                    given_names=f" {person.given_names} ".replace(
                        f" {form} ", f" {other} "
                    ).strip(),
                )
    family = person.family_name.split()
    if len(family) > 1:
        return replace(
            person,
            given_names=f"{person.given_names} {family[0]}",
            family_name=" ".join(family[1:]),
        )
    return None


def other_script(person: Registration, rng: random.Random) -> Registration | None:
    """Names typed in Arabic or Ethiopic script."""
    table = ETHIOPIC_SCRIPT if person.nationality == "ETH" else ARABIC_SCRIPT
    words = _words(person)

    def write(text: str) -> str:
        return " ".join(table.get(SPELLINGS.get(w, (w,))[0], w) for w in text.split())

    if not any(SPELLINGS.get(w, (w,))[0] in table for w, _ in words):
        return None
    return replace(
        person, given_names=write(person.given_names), family_name=write(person.family_name)
    )


def birth_year_shift(person: Registration, rng: random.Random) -> Registration | None:
    """Only a year of birth given, one or two years off."""
    if person.date_of_birth is None:
        return None
    shift = rng.choice((-2, -1, -1, 1, 1, 2))
    precision = "estimated" if abs(shift) == 2 else rng.choice(("year", "estimated"))
    return replace(
        person, date_of_birth=date(person.date_of_birth.year + shift, 7, 1), dob_precision=precision
    )


def age_estimate(person: Registration, rng: random.Random) -> Registration | None:
    """An approximate age typed instead of a date: the birth date is estimated from it."""
    if person.date_of_birth is None:
        return None
    age = TODAY.year - person.date_of_birth.year + rng.choice((-1, 0, 0, 1))
    return replace(person, date_of_birth=date(TODAY.year - age, 1, 1), dob_precision="estimated")


def document_formatting(person: Registration, rng: random.Random) -> Registration | None:
    """The same document number typed with spaces, dashes and lower case."""
    if not person.documents:
        return None

    def messy(number: str) -> str:
        plain = number.replace("-", "")
        spaced = " ".join(plain[i : i + 3] for i in range(0, len(plain), 3))
        return rng.choice((plain.lower(), spaced, "-".join(spaced.split()), f" {plain.lower()}."))

    return replace(person, documents=tuple(messy(number) for number in person.documents))


def lost_document(person: Registration, rng: random.Random) -> Registration | None:
    """The document was lost (or another one shown)."""
    if not person.documents:
        return None
    keep_other = rng.random() < 0.3
    return replace(
        person, documents=(_document(rng, person.nationality[:1]),) if keep_other else ()
    )


def new_phone(person: Registration, rng: random.Random) -> Registration | None:
    """A new SIM, no phone, or the same number written another way."""
    if not person.phone:
        return None
    roll = rng.random()
    calling = person.phone[1:4] if person.phone.startswith("+") else _calling_code(person)
    if roll < 0.4:
        digits = "".join(c for c in person.phone if c.isdigit())
        if person.phone.startswith("+"):
            return replace(person, phone=f"0{digits[len(calling) :]}")
        return replace(person, phone=f"+{calling}{digits[1:]}")
    if roll < 0.7:
        return replace(person, phone="")
    return replace(person, phone=_phone(rng, calling))


def _calling_code(person: Registration) -> str:
    return next((n.calling_code for n in NATIONALITIES if n.code == person.nationality), "255")


def unknown_nationality(person: Registration, rng: random.Random) -> Registration | None:
    """Nationality not established at the second registration."""
    return replace(person, nationality="XXX")


VARIATIONS: dict[str, tuple[Variation, float]] = {
    "spelling": (spelling_variant, 3),
    "typo": (typo, 3),
    "swapped_names": (swapped_names, 2),
    "no_family_name": (no_family_name, 1.5),
    "joined_names": (joined_names, 1),
    "other_script": (other_script, 1),
    "birth_year_shift": (birth_year_shift, 2),
    "age_estimate": (age_estimate, 2),
    "document_formatting": (document_formatting, 1.5),
    "lost_document": (lost_document, 1.5),
    "new_phone": (new_phone, 1.5),
    "unknown_nationality": (unknown_nationality, 0.3),
}


def vary(
    person: Registration, rng: random.Random, kinds: int | None = None
) -> tuple[Registration, tuple[str, ...]]:
    """A second registration of `person` with one to three variations, and their names."""
    count = kinds if kinds is not None else rng.choices((1, 2, 3), cum_weights=(0.4, 0.8, 1.0))[0]
    names = list(VARIATIONS)
    weights = [VARIATIONS[name][1] for name in names]
    applied: list[str] = []
    while len(applied) < count and len(applied) < len(names):
        name = rng.choices(names, weights=weights)[0]
        if name in applied:
            continue
        varied = VARIATIONS[name][0](person, rng)
        weights[names.index(name)] = 0  # each kind at most once
        if varied is not None:
            person = varied
            applied.append(name)
        if not any(weights):
            break
    return person, tuple(applied)


# --------------------------------------------------------------------------------------------
# The labelled evaluation set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A registration to check; `true_id` is the person it duplicates, None for a new person."""

    registration: Registration
    true_id: int | None
    kind: str  # the variations applied, "new" or "namesake"


def namesake(person: Registration, rng: random.Random) -> Registration:
    """A different person with the same names: born years apart, or of the other sex."""
    assert person.date_of_birth is not None
    if rng.random() < 0.8:
        gap = rng.randint(5, 25)
        # Older, unless that makes them over 80; younger only while still born before today.
        year = person.date_of_birth.year - gap
        if TODAY.year - year > 80:
            year = min(TODAY.year - 1, person.date_of_birth.year + gap)
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        sex = person.sex
    else:
        born, sex = person.date_of_birth, "female" if person.sex == "male" else "male"
    calling = _calling_code(person)
    return replace(
        person,
        sex=sex,
        date_of_birth=born,
        dob_precision=rng.choice(("exact", "year", "estimated")),
        documents=(_document(rng, person.nationality[:1]),) if rng.random() < 0.4 else (),
        phone=_phone(rng, calling) if rng.random() < 0.55 else "",
    )


@dataclass(frozen=True)
class EvaluationPlan:
    """Which people of a population of `size` return, and which lend their names to namesakes."""

    size: int
    returning: tuple[int, ...]  # person ids (1-based)
    namesakes: tuple[int, ...]
    new: int
    seed: int

    @classmethod
    def make(
        cls, size: int, returning: int = 1000, new: int = 1000, seed: int = 7
    ) -> EvaluationPlan:
        rng = random.Random(seed)
        namesakes = int(new * 0.3)
        chosen = rng.sample(range(1, size + 1), returning + namesakes)
        return cls(
            size, tuple(chosen[:returning]), tuple(chosen[returning:]), new - namesakes, seed
        )

    def queries(self, originals: dict[int, Registration]) -> list[Query]:
        """The evaluation queries, given the registrations of the plan's people by id."""
        rng = random.Random(self.seed + 1)
        queries = []
        for person_id in self.returning:
            varied, kinds = vary(originals[person_id], rng)
            queries.append(Query(varied, person_id, "+".join(kinds)))
        for person_id in self.namesakes:
            queries.append(Query(namesake(originals[person_id], rng), None, "namesake"))
        fresh = random.Random(self.seed + 2 + self.size)  # people the population never drew
        queries += [Query(random_person(fresh), None, "new") for _ in range(self.new)]
        return queries

    @property
    def wanted(self) -> set[int]:
        return set(self.returning) | set(self.namesakes)


def sample_people(count: int, seed: int) -> Sequence[Registration]:
    """A small population for tests."""
    return list(generate_people(count, seed))
