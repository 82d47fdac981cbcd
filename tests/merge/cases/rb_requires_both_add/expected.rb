require 'json'
require 'time'
require 'set'
require 'logger'

module Shop
  class Cart
    attr_reader :items

    def initialize(owner, logger: Logger.new($stdout))
      @owner = owner
      @logger = logger
      @items = []
      @tags = Set.new
    end

    def add(sku, qty = 1)
      @items << { sku: sku, qty: qty }
      self
    end

    def size = @items.sum { |i| i[:qty] }
    def empty? = @items.empty?

    def to_json(*args)
      { owner: @owner, items: @items }.to_json(*args)
    end

    private

    def find(sku)
      @items.find { |i| i[:sku] == sku }
    end
  end
end
