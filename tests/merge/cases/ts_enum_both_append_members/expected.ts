export enum Status {
  Active = "active",
  Done = "done",
  Archived = "archived",
  Deleted = "deleted",
}

export const ALL: Status[] = Object.values(Status);
