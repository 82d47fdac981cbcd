from net import download, upload


class Repo:
    def __init__(self, url):
        self.url = url

    def fetch(self):
        return download(self.url, retries=3)

    def push(self, data):
        return upload(self.url, data)
