import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en.ts";
import { fr } from "./fr.ts";
import { hi } from "./hi.ts";

export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "fr", name: "Français" },
  { code: "hi", name: "हिन्दी" },
] as const;
const STORAGE_KEY = "liaison.language";

function storedLanguage(): string {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && LANGUAGES.some((l) => l.code === stored)) return stored;
  } catch {
    // storage blocked: use the browser's language
  }
  const browser = navigator.language.slice(0, 2);
  return LANGUAGES.some((l) => l.code === browser) ? browser : "en";
}

export function initI18n(language?: string): typeof i18next {
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources: { en: { translation: en }, fr: { translation: fr }, hi: { translation: hi } },
      lng: language ?? storedLanguage(),
      fallbackLng: "en",
      interpolation: { escapeValue: false },
      returnNull: false,
      initAsync: false,
    });
    document.documentElement.lang = i18next.language;
    i18next.on("languageChanged", (lng) => {
      document.documentElement.lang = lng;
    });
  }
  return i18next;
}

export function setLanguage(code: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // not persisted; still switch for this page
  }
  void i18next.changeLanguage(code);
}
