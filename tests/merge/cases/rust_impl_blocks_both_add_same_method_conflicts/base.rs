struct Pool;
