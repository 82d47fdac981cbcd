class Outer:
    """Container for the parser pieces."""

    class Inner:
        class Lexer:
            def __init__(self, text):
                self.text = text
                self.pos = 0
                self.line = 1

            def peek(self):
                return self.text[self.pos]

            def advance(self):
                self.pos += 1

    def build(self):
        return self.Inner.Lexer("")
