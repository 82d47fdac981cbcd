const c = {a: 1 /* one */, b: 2};
