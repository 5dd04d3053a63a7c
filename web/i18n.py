"""The page's words in English and Hindi. Keys are English phrases; a missing Hindi entry falls back."""

from __future__ import annotations

from collections.abc import Callable

UI_LANGUAGES = {"en": "English", "hi": "हिन्दी"}

HINDI = {
    "Sign in": "साइन इन करें",
    "User name": "उपयोगकर्ता नाम",
    "Password": "पासवर्ड",
    "Sign out": "साइन आउट",
    "Now playing": "अभी चल रहा है",
    "Mood": "मूड",
    "Nothing yet": "अभी कुछ नहीं",
    "Nobody here": "यहाँ कोई नहीं",
    "Camera": "कैमरा",
    "watching": "देख रहा है",
    "off": "बंद",
    "offline": "ऑफ़लाइन",
    "Pause": "रोकें",
    "Resume": "जारी रखें",
    "Next": "अगला",
    "Previous": "पिछला",
    "Volume": "आवाज़",
    "Music language": "संगीत की भाषा",
    "English": "अंग्रेज़ी",
    "Hindi": "हिन्दी",
    "Any": "कोई भी",
    "faces": "चेहरे",
    "since": "से",
    "because": "क्योंकि",
    "Wrong user name or password": "गलत उपयोगकर्ता नाम या पासवर्ड",
    "Like": "पसंद करें",
    "History": "इतिहास",
    "Day": "दिन",
    "Week": "सप्ताह",
    "Played": "चलाए गए",
    "Mood over time": "समय के साथ मूड",
    "Try a photo": "फ़ोटो आज़माएँ",
    "Photo": "फ़ोटो",
    "Pick a photo or take one: the kiosk reads the faces in it. The photo is not kept.": (
        "फ़ोटो चुनें या लें: कियोस्क उसमें चेहरे पढ़ता है। फ़ोटो रखी नहीं जाती।"
    ),
    "Play this mood": "यह मूड चलाएँ",
    "No face found": "कोई चेहरा नहीं मिला",
    "Favorites": "पसंदीदा",
    "Play all": "सब चलाएँ",
    "Play": "चलाएँ",
    "Remove": "हटाएँ",
    "No favorites yet: like the playing track.": "अभी कोई पसंदीदा नहीं: चल रहा गाना पसंद करें।",
    "angry": "गुस्सा",
    "disgust": "घृणा",
    "fear": "डर",
    "happy": "खुश",
    "sad": "उदास",
    "surprise": "आश्चर्य",
    "neutral": "सामान्य",
    # Sign-in page: creating an account
    "Create an account": "खाता बनाएँ",
    "New here? Choose a name and a password of at least 8 characters.": ("नए हैं? एक नाम और कम से कम 8 अक्षरों का पासवर्ड चुनें।"),
    "New user name": "नया उपयोगकर्ता नाम",
    "New password": "नया पासवर्ड",
    "Create the account": "खाता बना दें",
    # Main page
    "Music sources": "संगीत स्रोत",
    "available": "उपलब्ध",
    "unavailable": "उपलब्ध नहीं",
    "checking": "जाँच रहा है",
    "plays offline": "ऑफ़लाइन चलता है",
    "saving for offline": "ऑफ़लाइन के लिए सहेजा जा रहा है",
    "Admin": "एडमिन",
    "Kiosk": "कियोस्क",
    "paused": "रुका हुआ",
    "starting": "शुरू हो रहा है",
    "ended": "समाप्त",
    "Pause detection": "पहचान रोकें",
    "Resume detection": "पहचान फिर शुरू करें",
    "I'm here": "मैं यहाँ हूँ",
    "Let go": "छोड़ दें",
    "“I'm here” plays your language until someone else takes over or nobody is seen.": (
        "“मैं यहाँ हूँ” से आपकी भाषा का संगीत चलता है, जब तक कोई और यह न दबाए या कोई न दिखे।"
    ),
    "Your music language": "आपकी संगीत भाषा",
    "Music in {language} for {member}": "{member} के लिए {language} में संगीत",
    "Music in any language for {member}": "{member} के लिए किसी भी भाषा में संगीत",
    "Music in {language} (household)": "{language} में संगीत (घर की पसंद)",
    "Music in any language (household)": "किसी भी भाषा में संगीत (घर की पसंद)",
    "Set the mood": "मूड चुनें",
    "For": "कितनी देर",
    "15 minutes": "15 मिनट",
    "30 minutes": "30 मिनट",
    "1 hour": "1 घंटा",
    "2 hours": "2 घंटे",
    "Set this mood": "यह मूड लगाएँ",
    "End": "समाप्त करें",
    "{emotion}, set by {by} until {time}": "{emotion}, {by} ने {time} तक के लिए चुना",
    "What would play": "क्या चलेगा",
    "The current mood": "अभी का मूड",
    "Language": "भाषा",
    "The kiosk's language": "कियोस्क की भाषा",
    "any language": "कोई भी भाषा",
    "{emotion} in {language}: playlist {playlists}, 1 track": "{language} में {emotion}: प्लेलिस्ट {playlists}, 1 गाना",
    "{emotion} in {language}: playlist {playlists}, {total} tracks": "{language} में {emotion}: प्लेलिस्ट {playlists}, {total} गाने",
    # Admin page: accounts
    "Users": "उपयोगकर्ता",
    "Member": "सदस्य",
    "(you)": "(आप)",
    "Reset password": "पासवर्ड बदलें",
    "New password for {name} (at least 8 characters):": "{name} के लिए नया पासवर्ड (कम से कम 8 अक्षर):",
    "New password set for {name}.": "{name} का नया पासवर्ड सेट हो गया।",
    "Remove the account {name} and its favorites?": "{name} का खाता और उसके पसंदीदा हटाएँ?",
    "Removed {name}.": "{name} हटा दिया गया।",
    "Add an account": "खाता जोड़ें",
    "Admin: may manage accounts and settings": "एडमिन: खाते और सेटिंग बदल सकते हैं",
    "Add the account": "खाता जोड़ें",
    "Added {name}.": "{name} जोड़ दिया गया।",
    # Admin page: settings
    "Sign-up": "साइन-अप",
    "Let people create their own (non-admin) account on the sign-in page": (
        "लोगों को साइन-इन पेज पर अपना (बिना एडमिन अधिकार का) खाता बनाने दें"
    ),
    "Save": "सहेजें",
    "Saved": "सहेजा गया",
    "Nothing changed": "कुछ नहीं बदला",
    "Reset": "रीसेट करें",
    "Back to the config file's value: {value}": "कॉन्फ़िग फ़ाइल वाला मान वापस लाएँ: {value}",
    "from the page": "पेज से",
    "from the config file": "कॉन्फ़िग फ़ाइल से",
    "set by a command-line flag": "कमांड-लाइन फ़्लैग से तय",
    "Music": "संगीत",
    "Household language": "घर की भाषा",
    "Played when nobody has said “I'm here”.": "जब किसी ने “मैं यहाँ हूँ” न दबाया हो, तब यही भाषा चलती है।",
    "Music languages": "संगीत की भाषाएँ",
    "Comma-separated, e.g. english, hindi. A playlist's subfolder with that name holds its tracks.": (
        "अल्पविराम से अलग करें, जैसे english, hindi। प्लेलिस्ट का इसी नाम का सबफ़ोल्डर उस भाषा के गाने रखता है।"
    ),
    "Strategy": "तरीका",
    "Match the mood": "मूड जैसा संगीत",
    "Lift the mood (sad → happy, angry → neutral)": "मूड अच्छा करें (उदास → खुश, गुस्सा → सामान्य)",
    "A new mood changes the music": "नया मूड संगीत कब बदले",
    "At the end of the track": "गाना ख़त्म होने पर",
    "At once": "तुरंत",
    "When nobody is seen": "जब कोई न दिखे",
    "Fade out": "धीरे-धीरे बंद करें",
    "Play the idle playlist": "आइडल प्लेलिस्ट चलाएँ",
    "Keep playing": "चलते रहने दें",
    "Fallback playlist": "बैकअप प्लेलिस्ट",
    "Played when a mood's playlist is empty or missing.": "जब किसी मूड की प्लेलिस्ट खाली हो या मौजूद न हो, तब यह चलती है।",
    "Playlist mapping": "प्लेलिस्ट मैपिंग",
    "Which playlists play for each mood. Several names: separate them with commas. An empty cell plays the default "
    "shown in grey. A language column applies while the kiosk plays that language.": (
        "हर मूड के लिए कौन-सी प्लेलिस्ट चले। कई नाम हों तो अल्पविराम से अलग करें। खाली खाने में धूसर रंग में दिखाया गया "
        "डिफ़ॉल्ट चलता है। भाषा वाला कॉलम तब लागू होता है जब कियोस्क वह भाषा चला रहा हो।"
    ),
    "Any language": "कोई भी भाषा",
    "Mood thresholds": "मूड की सीमाएँ",
    "Smoothing (seconds)": "स्मूदिंग (सेकंड)",
    "Readings are averaged over about this long.": "लगभग इतनी देर की रीडिंग का औसत लिया जाता है।",
    "Dwell (seconds)": "ठहराव (सेकंड)",
    "A new mood must lead this long before it counts.": "नया मूड इतनी देर आगे रहे, तभी गिना जाता है।",
    "Lead margin (0 to 1)": "बढ़त का अंतर (0 से 1)",
    "How far a new mood must lead the current one.": "नया मूड मौजूदा मूड से कितना आगे हो।",
    "Minimum confidence (0 to 1)": "न्यूनतम भरोसा (0 से 1)",
    "Below this, no mood is decided.": "इससे कम पर कोई मूड तय नहीं होता।",
    "Idle after (seconds)": "निष्क्रिय होने का समय (सेकंड)",
    "No face for this long: the kiosk goes idle.": "इतनी देर कोई चेहरा न दिखे तो कियोस्क निष्क्रिय हो जाता है।",
    "Camera source": "कैमरा स्रोत",
    "Automatic (first camera found)": "अपने-आप (पहला मिला कैमरा)",
    "No camera": "कोई कैमरा नहीं",
    "Other…": "अन्य…",
    "Other source": "दूसरा स्रोत",
    "Frames analysed per second": "हर सेकंड जाँचे जाने वाले फ़्रेम",
    "Detection paused (the camera stays closed)": "पहचान रुकी है (कैमरा बंद रहता है)",
    "Storage": "संग्रह",
    "Keep the mood history for (days)": "मूड का इतिहास कितने दिन रखें",
    "Was I right?": "क्या मैंने सही पहचाना?",
    "Tap the mood the room is really in.": "कमरे का असली मूड चुनें।",
    "Thanks: {emotion} it is.": "धन्यवाद: हाँ, {emotion}।",
    "Thanks: I will lean towards {emotion} a little. Learned from {count} corrections.": (
        "धन्यवाद: अब मैं थोड़ा {emotion} की ओर झुकूँगा। {count} सुधारों से सीखा।"
    ),
    "Mood corrections": "मूड सुधार",
    "Learned from {count} corrections.": "{count} सुधारों से सीखा।",
    "Forget them": "इन्हें भूल जाएँ",
    "Camera notice": "कैमरा सूचना",
    "Show the kiosk's screen (/display) to other machines too": "कियोस्क की स्क्रीन (/display) दूसरी मशीनों को भी दिखाएँ",
    "Scan to open the household page": "घर का पेज खोलने के लिए स्कैन करें",
    "Camera on": "कैमरा चालू",
    "Camera off": "कैमरा बंद",
    "Set by hand": "हाथ से चुना गया",
    "Your artists": "आपके कलाकार",
    "While you have taken over (“I'm here”), the music leans to your artists.": (
        "जब आपने कियोस्क सँभाला हो (“मैं यहाँ हूँ”), संगीत आपके कलाकारों की ओर झुकता है।"
    ),
    "Artist": "कलाकार",
    "Add": "जोड़ें",
    "Household artists": "घर के कलाकार",
    "While nobody has taken over, the music leans to these artists.": "जब किसी ने कियोस्क नहीं सँभाला, संगीत इन कलाकारों की ओर झुकता है।",
    "Members tap “Was I right?” on the main page; each tap leans the kiosk a little (bounded) towards the mood they name.": (
        "सदस्य मुख्य पेज पर “क्या मैंने सही पहचाना?” दबाते हैं; हर बार कियोस्क उनके बताए मूड की ओर थोड़ा (सीमित) झुकता है।"
    ),
    "This kiosk has no accounts yet. Whoever set it up makes the first one on the kiosk itself:": (
        "इस कियोस्क पर अभी कोई खाता नहीं है। जिसने इसे लगाया है, वह पहला खाता कियोस्क पर ही बनाए:"
    ),
    "This kiosk has no accounts yet.": "इस कियोस्क पर अभी कोई खाता नहीं है।",
    "Set the password": "पासवर्ड सेट करें",
    "Unsaved changes": "बिना सहेजे बदलाव",
    "Unsaved changes: {groups}": "बिना सहेजे बदलाव: {groups}",
    "Save all": "सब सहेजें",
    "Discard": "छोड़ें",
    "Cancel": "रद्द करें",
    "Listening brief: {text}": "सुनने का सुझाव: {text}",
    "The language model could not help this time: the built-in search words are used.": (
        "भाषा मॉडल इस बार मदद नहीं कर सका: अंतर्निहित खोज शब्द इस्तेमाल हो रहे हैं।"
    ),
    # Imported playlists (admin)
    "A CSV of songs (title, artist, optional url, language, mood), or an .m3u, .pls or .xspf file. Rows without a link "
    "play the first YouTube match of the title and artist. Map the playlist to a mood below, or name it after a mood.": (
        "गानों की एक CSV (title, artist, वैकल्पिक url, language, mood), या .m3u, .pls या .xspf फ़ाइल। बिना लिंक वाली पंक्तियाँ"
        " शीर्षक और कलाकार का पहला YouTube मिलान चलाती हैं। प्लेलिस्ट को नीचे किसी मूड से जोड़ें, या उसे किसी मूड का नाम दें।"
    ),
    "As the file says": "जैसा फ़ाइल में है",
    "…or a Spotify playlist link": "…या Spotify प्लेलिस्ट का लिंक",
    "Pick a list file or paste a Spotify playlist link.": "सूची फ़ाइल चुनें या Spotify प्लेलिस्ट का लिंक चिपकाएँ।",
    "Importing…": "आयात हो रहा है…",
    "Export CSV": "CSV निर्यात करें",
    "Import": "आयात करें",
    "Imported playlists": "आयात की गई प्लेलिस्ट",
    "Imported {imported} rows into {name}; {refused} refused.": "{name} में {imported} पंक्तियाँ आयात हुईं; {refused} अस्वीकार।",
    "Language of its rows": "पंक्तियों की भाषा",
    "Line {line}: {why}": "पंक्ति {line}: {why}",
    "List file": "सूची फ़ाइल",
    "Mood of its rows": "पंक्तियों का मूड",
    "Playlist name": "प्लेलिस्ट का नाम",
    "Remove the playlist {name}?": "प्लेलिस्ट {name} हटाएँ?",
    "Remove “{title}” from {name}": "{name} से “{title}” हटाएँ",
    "Show": "दिखाएँ",
    "YouTube match": "YouTube मिलान",
    "link": "लिंक",
    "{count} rows from {source}": "{source} से {count} पंक्तियाँ",
    # The player
    "A track would not play: {error}": "एक गाना नहीं चल सका: {error}",
    "Add “{title}” to the queue": "“{title}” कतार में जोड़ें",
    "Added “{title}” to the queue.": "“{title}” कतार में जोड़ा गया।",
    "Added “{title}” to your favorites.": "“{title}” आपके पसंदीदा में जोड़ा गया।",
    "Removed “{title}” from your favorites.": "“{title}” आपके पसंदीदा से हटाया गया।",
    "Details": "विवरण",
    "Dismiss": "बंद करें",
    "More": "और",
    "Music is off on the kiosk (see the note above).": "कियोस्क पर संगीत बंद है (ऊपर का नोट देखें)।",
    "Music starts when the kiosk sees someone, or press play on a favorite.": (
        "संगीत तब शुरू होता है जब कियोस्क किसी को देखता है, या किसी पसंदीदा पर चलाएँ दबाएँ।"
    ),
    "Mute": "आवाज़ बंद करें",
    "Unmute": "आवाज़ चालू करें",
    "Next track": "अगला गाना",
    "Previous track": "पिछला गाना",
    "No music yet": "अभी कोई संगीत नहीं",
    "Nobody is here: the music rests.": "यहाँ कोई नहीं है: संगीत रुका है।",
    "Nothing found in the music library.": "संगीत संग्रह में कुछ नहीं मिला।",
    "Nothing is playing": "कुछ नहीं चल रहा",
    "Nothing queued: search below to pick a song.": "कतार खाली है: गाना चुनने के लिए नीचे खोजें।",
    "Play “{title}”": "“{title}” चलाएँ",
    "Play “{title}” next": "“{title}” अगला चलाएँ",
    "Play “{title}” now": "“{title}” अभी चलाएँ",
    "Playing “{title}”.": "“{title}” चल रहा है।",
    "Like “{title}”": "“{title}” पसंद करें",
    "Unlike “{title}”": "“{title}” नापसंद करें",
    "Position": "स्थिति",
    "Put audio files in folders named after the moods (happy, sad, neutral, …) in the kiosk's music folder, "
    "or ask an admin to map a YouTube playlist to a mood.": (
        "कियोस्क के संगीत फ़ोल्डर में मूड के नाम वाले फ़ोल्डरों (happy, sad, neutral, …) में ऑडियो फ़ाइलें रखें,"
        " या किसी एडमिन से किसी मूड के लिए YouTube प्लेलिस्ट जोड़ने को कहें।"
    ),
    "Remove “{title}” from favorites": "“{title}” पसंदीदा से हटाएँ",
    "Remove “{title}” from the queue": "“{title}” कतार से हटाएँ",
    "Search the music": "संगीत खोजें",
    "Search title, artist or album": "शीर्षक, कलाकार या एल्बम खोजें",
    "Sections": "भाग",
    "The kiosk cannot be reached. Try again in a moment.": "कियोस्क से संपर्क नहीं हो पा रहा। थोड़ी देर में फिर कोशिश करें।",
    "The kiosk cannot be reached: reconnecting…": "कियोस्क से संपर्क नहीं हो पा रहा: फिर से जोड़ रहे हैं…",
    "The room looks {emotion} now: its music comes after this song.": "कमरा अब {emotion} दिखता है: उसका संगीत इस गाने के बाद आएगा।",
    "Then: music for a {emotion} room.": "फिर: {emotion} कमरे के लिए संगीत।",
    "Unknown length": "लंबाई अज्ञात",
    "Up next": "आगे",
    "{count} found": "{count} मिले",
    "{music}: nobody has been seen for a while.": "{music}: कुछ देर से कोई नहीं दिखा।",
    "{music}: the room looked {emotion} at {time}.": "{music}: {time} पर कमरा {emotion} दिखा।",
    "{music}: the room looked {emotion}.": "{music}: कमरा {emotion} दिखा।",
    "{music}: the camera is off, so no mood is read; set one on this page.": (
        "{music}: कैमरा बंद है, इसलिए कोई मूड नहीं पढ़ा जाता; इस पेज पर मूड चुनें।"
    ),
    "{music}: {by} set the mood to {emotion} until {time}.": "{music}: {by} ने {time} तक मूड {emotion} रखा है।",
    "{music}: {reason}.": "{music}: {reason}।",
    "{position} of {duration}": "{duration} में से {position}",
    "a favorite of {name}": "{name} का पसंदीदा",
    "favorites of {name}": "{name} के पसंदीदा",
    "asked for by {name}": "{name} ने माँगा",
    "a photo {name} shared looked {emotion}": "{name} की साझा की गई फ़ोटो {emotion} दिखी",
    "Happy music": "खुश संगीत",
    "Sad music": "उदास संगीत",
    "Calm music": "शांत संगीत",
    "Lively music": "जोशीला संगीत",
    "Angry music": "गुस्से वाला संगीत",
    "Tense music": "तनाव वाला संगीत",
    "Disgust music": "घृणा वाला संगीत",
}
CATALOGS = {"en": {}, "hi": HINDI}


def translator(language: str) -> Callable[[str], str]:
    catalog = CATALOGS.get(language, {})
    return lambda text: catalog.get(text, text)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The UI language: the visitor's choice (cookie), else Hindi when the browser prefers it."""
    if cookie in UI_LANGUAGES:
        return cookie
    first = (accept_language or "").split(",")[0].strip().lower()
    return "hi" if first.startswith("hi") else "en"
