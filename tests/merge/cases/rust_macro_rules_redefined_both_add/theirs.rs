// spaces
macro_rules! test {
    ($a:expr) => {  $a  };
}

// one
macro_rules! test {
    ($a:expr) => {{ $a }};
}

// two
macro_rules! test {
    ($a:expr) => {{{{ $a }}}};
}
