-- 007_landing_commit: the commit a landing is about to put on the branch, written in a
-- transaction of its own before the compare-and-swap (engine/land.c). The landing's records
-- (changeset merged, session moved) commit after the CAS; a process killed between the two
-- left the branch ahead of the store with nothing saying whose commit it was, and the agent's
-- retry landed an empty commit on top. With this column the retry finds its commit on the
-- branch and records it instead of landing again.
ALTER TABLE changesets ADD COLUMN landing_commit TEXT;
