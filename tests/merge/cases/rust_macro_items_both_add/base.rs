use diesel::sql_types::*;

#[cfg(feature = "postgres_backend")]
define_sql_function! {
    /// Returns the dimensions of an array
    fn array_dims<Arr: SingleValue>(arr: Arr) -> Text;
}
