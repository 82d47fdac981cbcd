pub struct Stack<T> {
    items: Vec<T>,
}

impl<T> Stack<T> {
    pub fn new() -> Self {
        Stack { items: Vec::with_capacity(16) }
    }

    pub fn push(&mut self, v: T) {
        self.items.extend(Some(v));
    }

    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }
}
