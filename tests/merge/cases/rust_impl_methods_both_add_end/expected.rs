#[derive(Debug, Clone, Copy)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

impl Vec2 {
    pub fn new(x: f64, y: f64) -> Self {
        Vec2 { x, y }
    }

    pub fn len(&self) -> f64 {
        self.x.hypot(self.y)
    }

    pub fn scale(&self, k: f64) -> Vec2 {
        Vec2::new(self.x * k, self.y * k)
    }

    pub fn dist(&self, o: &Vec2) -> f64 {
        Vec2::new(self.x - o.x, self.y - o.y).len()
    }
}
