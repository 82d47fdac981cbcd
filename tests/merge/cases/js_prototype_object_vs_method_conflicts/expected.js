function Store() {
  this.items = [];
}

Store.prototype.add = function (x) {
  this.items.push(x);
};
<<<<<<< ours

Store.prototype.clear = function () {
  this.items = [];
};
=======

Store.prototype = {
  size: function () {
    return this.items.length;
  }
};
>>>>>>> theirs
