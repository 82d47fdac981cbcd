function Store() {
  this.items = [];
}

Store.prototype.add = function (x) {
  this.items.push(x);
};
