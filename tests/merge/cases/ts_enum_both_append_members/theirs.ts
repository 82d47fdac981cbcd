export enum Status {
  Active = "active",
  Done = "done",
  Deleted = "deleted",
}

export const ALL: Status[] = Object.values(Status);
