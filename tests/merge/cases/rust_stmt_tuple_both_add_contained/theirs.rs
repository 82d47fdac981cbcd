fn functions() -> _ {
    let x = 1;
    (
        array_append(extras::array, extras::id),
        array_length(extras::array),
        array_replace(extras::array, extras::id, extras::id),
        array_dims(extras::array),
    )
}

fn other() -> i32 {
    7
}
