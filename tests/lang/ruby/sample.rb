# frozen_string_literal: true

require "json"
require 'net/http'
require_relative "support/cache"
load "tasks/setup.rb"

# Top-level constant.
DEFAULT_TIMEOUT = 30
RETRIES = 3 # trailing comment

# Utility helpers shared by the clients.
module Inventory
  VERSION = "1.2.0"

  # Raised when an item is missing.
  class NotFound < StandardError; end

  # Stores items by SKU.
  class Store
    attr_accessor :name
    attr_reader :items

    LIMIT = 100
    private_constant :LIMIT

    # Build a store.
    def initialize(name)
      @name = name
      @items = {}
      puts "created #{name}"
    end

    def add(item)
      raise ArgumentError, "full" if @items.size >= LIMIT
      @items[item.sku] = item
      log("added", item)
    end

    def find(sku)
      @items.fetch(sku) { raise NotFound, sku }
    end

    # Class-level factory.
    def self.open(path)
      data = JSON.parse(File.read(path))
      new(data["name"])
    end

    class << self
      def default
        @default ||= new("main")
      end

      private

      def reset_default
        @default = nil
      end
    end

    protected

    def compare(other)
      items.size <=> other.items.size
    end

    private

    def log(msg, item)
      Logger.info("#{msg}: #{item.inspect}")
    end

    def cleanup!
      @items.clear
    end

    def self.registry
      @registry ||= {}
    end
    private_class_method :registry

    public

    def size
      @items.size
    end
  end

  class Item
    def initialize(sku, price)
      @sku = sku
      @price = price
    end

    private def secret
      @price * 2
    end

    def to_h = { sku: @sku, price: @price }

=begin
Legacy checksum, kept for old clients.
=end
    def checksum
      require "digest"
      Digest::MD5.hexdigest(@sku)
    end
    private :checksum
  end
end

class Inventory::Report < Base
  def render(store)
    store.items.each_value.map(&:to_h).to_json
  end
end

module Admin::Tools
  def self.reset!
    Inventory::Store.default.send(:cleanup!)
  end
end

def main(argv)
  store = Inventory::Store.open(argv.first || "store.json")
  store.add(Inventory::Item.new("a1", 10))
  puts store.size
end

main(ARGV) if __FILE__ == $PROGRAM_NAME
