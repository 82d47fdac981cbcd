# Core extensions used by the report generator.

class String
  def titleize
    split(/[\s_]+/).map(&:capitalize).join(" ")
  end
end

module Report
  def self.header(title) = "== #{title.titleize} =="
end

class String
  def truncate(n)
    length > n ? "#{self[0, n - 1]}..." : self
  end
end
