fn functions() -> _ {
    let x = 2;
    (
        array_append(extras::array, extras::id),
        array_length(extras::array),
        array_replace(extras::array, extras::id, extras::id),
        array_dims(extras::array),
        array_cat(extras::array, extras::array),
    )
}

fn other() -> i32 {
    7
}
