# frozen_string_literal: true

module Shop
  VERSION = "0.2.0"

  def self.version
    VERSION
  end
end
