export enum Status {
  Active = "active",
  Done = "done",
}

export const ALL: Status[] = Object.values(Status);
