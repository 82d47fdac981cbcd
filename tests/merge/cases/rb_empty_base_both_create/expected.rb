# frozen_string_literal: true

module Shop
<<<<<<< ours
  VERSION = "0.1.0"
=======
  VERSION = "0.2.0"
>>>>>>> theirs

  def self.version
    VERSION
  end
end
