require "set"

# Parses tokens.
class Parser
  def initialize(src)
    @src = src
  end

  def parse
    tokens = @src.split(",")
    tokens.each do |t|
      emit(t.strip, ))
    end
  end

  def reset
    @src = ""
  end
end

def helper(x)
  x * 2
end
