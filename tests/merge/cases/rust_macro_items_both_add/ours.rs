use diesel::sql_types::*;

#[cfg(feature = "postgres_backend")]
define_sql_function! {
    /// Returns the dimensions of an array
    fn array_dims<Arr: SingleValue>(arr: Arr) -> Text;
}

#[cfg(feature = "postgres_backend")]
define_sql_function! {
    /// Joins the elements of an array
    fn array_to_string<Arr: SingleValue>(array: Arr, del: Text) -> Text;
}
