pub fn parse_port(s: &str) -> Option<u16> {
    s.trim().parse().ok()
}

<<<<<<< ours
=======
pub fn parse_host(s: &str) -> Option<&str> {
    let h = s.trim().trim_matches(|c| c == '[' || c == ']');
    if h.is_empty() { None } else { Some(h) }
}
>>>>>>> theirs

pub fn parse_addr(s: &str) -> Option<(&str, u16)> {
    let (h, p) = s.rsplit_once(':')?;
    Some((parse_host(h)?, parse_port(p)?))
}
