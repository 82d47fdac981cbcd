namespace Catch {

    void ColourImpl::ColourGuard::engageImpl( std::ostream& stream ) {
        m_engaged = true;
    }

    ColourImpl::ColourGuard&
    ColourImpl::ColourGuard::engage( std::ostream& stream ) & {
        engageImpl( stream );
        return *this;
    }

} // namespace Catch
