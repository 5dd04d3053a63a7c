// Why a track plays, said in the page's language from the kiosk's data (device/core/reasons.py's Why):
// shared by the household page and the kiosk's own screen, which load it before their own script.
"use strict";

/** One phrase for ``why`` (kind, emotion, by, language, ...); "" without one. Uses the page's ``t``. */
function sayWhy(why) {
  if (!why) return "";
  const tf = (text, values) => t(text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  const emotion = why.emotion ? t(why.emotion) : "";
  const name = why.by;
  const minutes = why.minutes === null || why.minutes === undefined ? "" : String(why.minutes);
  const phrases = {
    mood: () => (why.emotion ? tf("the room looked {emotion}", { emotion }) : t("nobody has been seen for a while")),
    fallback: () => t("the mood's own music is unavailable, so other music plays"),
    override: () => (name ? tf("{name} chose {emotion} music for {minutes} min", { name, emotion, minutes }) : tf("{emotion} music chosen by hand for {minutes} min", { emotion, minutes })),
    asked: () => (name ? tf("asked for by {name}", { name }) : t("asked for on the page")),
    favorite: () => (name ? tf("a favorite of {name}", { name }) : t("a household favorite")),
    favorites: () => (name ? tf("favorites of {name}", { name }) : t("household favorites")),
    photo: () => (name ? tf("a photo {name} shared looked {emotion}", { name, emotion }) : tf("a shared photo looked {emotion}", { emotion })),
  };
  if (!(why.kind in phrases)) return "";
  const parts = [phrases[why.kind]()];
  if (why.language) parts.push(tf("in {language}", { language: t({ english: "English", hindi: "Hindi" }[why.language] || why.language) }));
  if (why.liked) parts.push(tf("you liked it when {emotion}", { emotion }));
  if (why.artist) parts.push(tf("by {artist}, a favourite artist", { artist: why.artist }));
  if (why.by_sound !== null && why.by_sound !== undefined) parts.push(tf("it sounds {mood}", { mood: t(why.playlist || "") }));
  return parts.join("; ");
}
