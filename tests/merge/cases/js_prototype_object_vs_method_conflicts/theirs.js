function Store() {
  this.items = [];
}

Store.prototype.add = function (x) {
  this.items.push(x);
};

Store.prototype = {
  size: function () {
    return this.items.length;
  }
};
