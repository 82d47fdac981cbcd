class Temperature:
    def __init__(self, celsius=0.0):
        self._c = celsius

    @property
    def celsius(self):
        return round(self._c, 2)

    @celsius.setter
    def celsius(self, value):
        self._c = value
