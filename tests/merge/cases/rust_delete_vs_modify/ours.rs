pub fn parse_port(s: &str) -> Option<u16> {
    s.trim().parse().ok()
}

pub fn parse_addr(s: &str) -> Option<(&str, u16)> {
    let (h, p) = s.rsplit_once(':')?;
    Some((parse_host(h)?, parse_port(p)?))
}
