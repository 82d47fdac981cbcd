export enum Status {
  Active = "active",
  Done = "done",
<<<<<<< ours
  Archived = "archived",
=======
  Deleted = "deleted",
>>>>>>> theirs
}

export const ALL: Status[] = Object.values(Status);
