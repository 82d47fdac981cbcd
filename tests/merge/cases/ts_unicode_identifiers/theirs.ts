// Übersetzungen und Größenangaben – “typografisch” korrekt.
export const grüße: Record<string, string> = { de: "Grüß Gott", ja: "こんにちは" };

export function größe(breite: number, höhe: number): number {
  return breite * höhe;
}
export function beschreibe(größeInM²: number, einheit = "m²"): string {
  return `Fläche: ${größeInM²} ${einheit} ✓ 🎉`;
}
