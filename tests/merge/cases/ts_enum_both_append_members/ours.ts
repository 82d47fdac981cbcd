export enum Status {
  Active = "active",
  Done = "done",
  Archived = "archived",
}

export const ALL: Status[] = Object.values(Status);
