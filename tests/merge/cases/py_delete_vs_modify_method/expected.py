from net import download, upload


class Repo:
    def __init__(self, url):
        self.url = url

<<<<<<< ours
=======
    def fetch(self):
        return download(self.url, retries=3)
>>>>>>> theirs

    def push(self, data):
        return upload(self.url, data, force=False)
