module Billing
  module Tax
    class Calculator
      RATE = 0.2

      def initialize(region)
        @region = region
      end

      def rate = @region == :eu ? RATE : 0.0
      def apply(amount) = (amount * (1 + rate)).round(2)

      def self.for(region)
        new(region)
      end
    end
  end

  def self.version
    "1.5.0"
  end
end
