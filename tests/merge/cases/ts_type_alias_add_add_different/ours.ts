export interface User {
  id: number;
  name: string;
}

export function label(u: User): string {
  return `#${u.id} ${u.name}`;
}

export type UserId = number;
