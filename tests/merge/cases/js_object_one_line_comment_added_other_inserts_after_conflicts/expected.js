<<<<<<< ours
const c = {a: 1 /* one */, b: 2};
=======
const c = {a: 1, z: 0, b: 2};
>>>>>>> theirs
