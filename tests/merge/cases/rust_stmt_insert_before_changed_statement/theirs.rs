pub struct Stack<T> {
    items: Vec<T>,
}

impl<T> Stack<T> {
    pub fn new() -> Self {
        Stack { items: Vec::new() }
    }

    pub fn push(&mut self, v: T) {
        self.items.insert(0, v);
    }

    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }
}
