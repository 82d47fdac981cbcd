fn functions() -> _ {
    let x = 2;
    (
        array_append(extras::array, extras::id),
        array_length(extras::array, 1),
    )
}

fn other() -> i32 {
    7
}
