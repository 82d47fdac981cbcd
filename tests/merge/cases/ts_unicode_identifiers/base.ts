// Übersetzungen und Größenangaben – “typografisch” korrekt.
export const grüße: Record<string, string> = { de: "Grüß Gott", ja: "こんにちは" };

export function größe(breite: number, höhe: number): number {
  return breite * höhe;
}
export function beschreibe(größeInM²: number): string {
  return `Fläche: ${größeInM²} m² ✓`;
}
